"""The lora backend: LoRA supervised fine-tuning of a causal LM, judged against
the base model with good prompting on the same held-out prompts.

Why a hand-written loop rather than TRL's SFTTrainer: the loop is ~100 lines,
and owning it gives the three things this runner promises and a generic trainer
does not give for free here — the label-mask audit before any step (see
``chat_data``), a resume that reproduces an uninterrupted run exactly (data
order is a function of seed and epoch; RNG, optimiser and scheduler states are
checkpointed), and one progress bar with an ETA. The loop runs through
Hugging Face Accelerate, so ``accelerate launch`` spreads it over several GPUs
(or processes) unchanged, and a lone GPU is used when present.

Baselines, on the same held-out prompts and the same target tokens:
``baseline_zero_shot`` is the base model with the system prompt;
``baseline_few_shot`` adds a few training examples as earlier turns. Each model
gets the held-out loss (and perplexity) on the reference answers and a task
metric on its greedy answers: exact match for short labelled outputs, chrF
for text.
"""

from __future__ import annotations

import json
import math
import random
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from advisor.datasets.model import Example
from advisor.fsutil import write_atomic, write_folder_atomic
from advisor.progress import ProgressBar
from advisor.train import chat_data, textmetrics
from advisor.train.checkpoint import (
    Interrupted,
    StopFlag,
    latest_checkpoint,
    restore_rng_state,
    rng_state,
    save_checkpoint,
)

Log = Callable[[str], None]


@dataclass
class LoraSettings:
    base_model: str | None = None
    max_length: int = 512
    batch_size: int = 8
    learning_rate: float = 5e-4
    rank: int = 8
    alpha: int = 16
    dropout: float = 0.05
    epochs: int = 1
    max_steps: int | None = None
    save_every: int = 25
    few_shot: int = 3
    system_prompt: str | None = None
    max_new_tokens: int | None = None
    seed: int = 13


# --------------------------------------------------------------------------- data


def _with_system(examples: list[Example], system_prompt: str | None) -> list[Example]:
    """Give every example the system prompt when it has none (baselines need one)."""
    if not system_prompt:
        return examples
    from advisor.datasets.model import Message

    out = []
    for example in examples:
        if example.messages and example.messages[0].role in {"system", "developer"}:
            out.append(example)
            continue
        copy = Example(example.line, example.format, example.kind, example.ordinal)
        copy.messages = [Message("system", system_prompt), *example.messages]
        out.append(copy)
    return out


def _few_shot_messages(prompt: list[dict[str, Any]], shots: list[Example]) -> list[dict[str, Any]]:
    """Insert solved examples as earlier turns, after any system message."""
    head = [m for m in prompt[:1] if m["role"] == "system"]
    rest = prompt[len(head) :]
    turns: list[dict[str, Any]] = []
    for shot in shots:
        shot_prompt, answer = chat_data.prompt_and_reference(shot)
        turns += [{**m, "train": False} for m in shot_prompt if m["role"] != "system"]
        turns.append({"role": "assistant", "content": answer, "train": False})
    return head + turns + rest


def _pick_shots(train: list[Example], count: int, seed: int) -> list[Example]:
    """``count`` training examples with different answers where possible (seeded)."""
    if count <= 0:
        return []
    rng = random.Random(seed)
    order = list(range(len(train)))
    rng.shuffle(order)
    chosen, seen = [], set()
    for index in order:
        answer = textmetrics.normalise_answer(chat_data.prompt_and_reference(train[index])[1])
        if answer and answer not in seen:
            chosen.append(train[index])
            seen.add(answer)
        if len(chosen) == count:
            return chosen
    for index in order:
        if len(chosen) == count:
            break
        if train[index] not in chosen:
            chosen.append(train[index])
    return chosen


def _batches(items: list[Any], size: int) -> list[list[Any]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def _collate(items: list[chat_data.Encoded], pad_id: int) -> dict[str, Any]:
    import torch

    width = max(len(item.input_ids) for item in items)
    ids = torch.full((len(items), width), pad_id, dtype=torch.long)
    labels = torch.full((len(items), width), chat_data.IGNORE_INDEX, dtype=torch.long)
    mask = torch.zeros((len(items), width), dtype=torch.long)
    for row, item in enumerate(items):
        n = len(item.input_ids)
        ids[row, :n] = torch.tensor(item.input_ids)
        labels[row, :n] = torch.tensor(item.labels)
        mask[row, :n] = 1
    return {"input_ids": ids, "labels": labels, "attention_mask": mask}


def _token_losses(model: Any, batch: dict[str, Any]) -> tuple[Any, Any]:
    """Summed loss and trainable-token count per row (labels shifted as in causal LM)."""
    import torch

    logits = model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]).logits
    shifted = logits[:, :-1, :].float()
    targets = batch["labels"][:, 1:]
    losses = torch.nn.functional.cross_entropy(
        shifted.reshape(-1, shifted.size(-1)),
        targets.reshape(-1),
        ignore_index=chat_data.IGNORE_INDEX,
        reduction="none",
    ).view(targets.shape)
    counted = (targets != chat_data.IGNORE_INDEX).sum(dim=1)
    return losses.sum(dim=1), counted


# --------------------------------------------------------------------------- evaluation


def held_out_loss(
    model: Any, items: list[chat_data.Encoded], pad_id: int, device: Any, progress: ProgressBar
) -> tuple[float, list[float]]:
    """Token-weighted mean loss over the reference answers, and per-example losses."""
    import torch

    total, tokens, per_example = 0.0, 0, []
    model.eval()
    with torch.no_grad():
        for chunk in _batches(items, 8):
            batch = {k: v.to(device) for k, v in _collate(chunk, pad_id).items()}
            summed, counted = _token_losses(model, batch)
            for s, c in zip(summed.tolist(), counted.tolist(), strict=True):
                per_example.append(s / c if c else 0.0)
                total += s
                tokens += c
            progress.update(advance=len(chunk))
    return (total / tokens if tokens else float("nan")), per_example


def generate_answers(
    model: Any,
    tokenizer: Any,
    prompts: list[list[dict[str, Any]]],
    max_new_tokens: int,
    device: Any,
    progress: ProgressBar,
    batch_size: int = 8,
) -> list[str]:
    """Greedy answers, batched with left padding, stopped at the end-of-turn token."""
    import torch

    tokenizer.padding_side = "left"
    answers = []
    model.eval()
    with torch.no_grad():
        for chunk in _batches(prompts, batch_size):
            texts = [
                tokenizer.apply_chat_template(
                    [{"role": m["role"], "content": m["content"]} for m in prompt],
                    tokenize=False,
                    add_generation_prompt=True,
                )
                for prompt in chunk
            ]
            batch = tokenizer(texts, return_tensors="pt", padding=True, add_special_tokens=False)
            batch = {k: v.to(device) for k, v in batch.items()}
            output = model.generate(
                **batch,
                max_new_tokens=max_new_tokens,
                do_sample=False,
                eos_token_id=tokenizer.eos_token_id,
                pad_token_id=tokenizer.pad_token_id,
            )
            new = output[:, batch["input_ids"].shape[1] :]
            answers += [t.strip() for t in tokenizer.batch_decode(new, skip_special_tokens=True)]
            progress.update(advance=len(chunk))
    tokenizer.padding_side = "right"
    return answers


def evaluate_model(
    name: str,
    model: Any,
    tokenizer: Any,
    items: list[chat_data.Encoded],
    prompts: list[list[dict[str, Any]]],
    references: list[str],
    max_new_tokens: int,
    device: Any,
    show: bool,
) -> dict[str, Any]:
    """Held-out loss on the references and greedy answers for one model/prompting."""
    pad_id = tokenizer.pad_token_id
    bar = ProgressBar(f"{name}: loss", len(items), "examples", enabled=show)
    loss, per_example_loss = held_out_loss(model, items, pad_id, device, bar)
    bar.close()
    bar = ProgressBar(f"{name}: answers", len(prompts), "prompts", enabled=show)
    answers = generate_answers(model, tokenizer, prompts, max_new_tokens, device, bar)
    bar.close()
    return {
        "loss": loss,
        "per_example_loss": per_example_loss,
        "answers": answers,
        "scores": textmetrics.score_all(answers, references),
    }


def baseline_names(baselines: dict[str, Any]) -> list[str]:
    return [name for name in baselines if name.startswith("baseline")]


def evaluate_baselines(
    model: Any,
    tokenizer: Any,
    train_examples: list[Example],
    eval_examples: list[Example],
    eval_items: list[chat_data.Encoded],
    settings: LoraSettings,
    max_new_tokens: int,
    device: Any,
    show: bool,
) -> dict[str, Any]:
    """The base model (adapter off) with the system prompt, and with a few-shot prompt."""
    prompts, references = [], []
    for example in eval_examples:
        prompt, reference = chat_data.prompt_and_reference(example)
        prompts.append(prompt)
        references.append(reference)
    shots = _pick_shots(train_examples, settings.few_shot, settings.seed)
    baselines: dict[str, Any] = {}
    with model.disable_adapter():
        baselines["baseline_zero_shot"] = evaluate_model(
            "zero-shot",
            model,
            tokenizer,
            eval_items,
            prompts,
            references,
            max_new_tokens,
            device,
            show,
        )
        if shots:
            shot_items = [
                chat_data.encode_example(
                    tokenizer,
                    example,
                    settings.max_length * 4,
                    _few_shot_messages(chat_data.chat_messages(example), shots),
                )
                for example in eval_examples
            ]
            shot_prompts = [_few_shot_messages(p, shots) for p in prompts]
            baselines["baseline_few_shot"] = evaluate_model(
                f"{len(shots)}-shot",
                model,
                tokenizer,
                shot_items,
                shot_prompts,
                references,
                max_new_tokens,
                device,
                show,
            )
    baselines["_shots"] = [shot.line for shot in shots]
    return baselines


def summarise(result: dict[str, Any]) -> dict[str, Any]:
    """The metrics.json entry of one model: loss, perplexity, task metrics with CIs."""
    summary: dict[str, Any] = {
        "loss": round(result["loss"], 4),
        "perplexity": round(math.exp(min(result["loss"], 50)), 3),
        "ci95": {},
    }
    for metric, values in result["scores"].items():
        mean, interval = textmetrics.mean_interval(values)
        summary[metric] = mean
        summary["ci95"][metric] = interval
    return summary


# --------------------------------------------------------------------------- training


def run_lora(
    run_dir: Path,
    train_examples: list[Example],
    eval_examples: list[Example],
    settings: LoraSettings,
    *,
    resume: bool,
    progress: bool,
    log: Log,
    dataset_label: str,
) -> dict[str, Any]:
    """Train, evaluate against the baselines, write the adapter; returns the metrics body."""
    import torch
    from accelerate import Accelerator
    from accelerate.utils import set_seed
    from peft import (
        LoraConfig,
        get_peft_model,
        get_peft_model_state_dict,
        set_peft_model_state_dict,
    )
    from transformers import get_linear_schedule_with_warmup

    from advisor.train.base_model import load_base_model, resolve_base_model

    accelerator = Accelerator()
    main = accelerator.is_main_process
    show = progress and main
    set_seed(settings.seed)
    base_path = resolve_base_model(settings.base_model)
    started = time.perf_counter()
    model, tokenizer = load_base_model(base_path, log if main else lambda _: None)
    if main:
        log(
            f"loaded {base_path.name} in {time.perf_counter() - started:.1f}s "
            f"on {accelerator.device}"
        )
    train_examples = _with_system(train_examples, settings.system_prompt)
    eval_examples = _with_system(eval_examples, settings.system_prompt)

    # The label-mask audit: refuse before any training when an example teaches nothing.
    train_items, train_audit = chat_data.encode_all(tokenizer, train_examples, settings.max_length)
    eval_items, eval_audit = chat_data.encode_all(tokenizer, eval_examples, settings.max_length)
    if main:
        samples = "\n\n".join(
            f"# line {item.line} ({item.trainable} of {len(item.input_ids)} tokens trained)\n"
            + chat_data.show_mask(tokenizer, item)
            for item in train_items[:3]
        )
        write_atomic(
            run_dir / "label_mask.json",
            json.dumps({"train": train_audit.as_dict(), "eval": eval_audit.as_dict()}, indent=2)
            + "\n",
        )
        write_atomic(run_dir / "label_mask_sample.txt", samples + "\n")
    chat_data.refuse_untrainable(train_audit, dataset_label)
    chat_data.refuse_untrainable(eval_audit, "held-out data")
    share = train_audit.trainable_tokens / max(train_audit.tokens, 1)
    if main:
        log(
            f"label mask: {train_audit.trainable_tokens:,} of {train_audit.tokens:,} training "
            f"tokens carry loss ({share:.0%}); {train_audit.truncated} truncated at "
            f"{settings.max_length} (see label_mask_sample.txt)"
        )

    prompts, references = [], []
    for example in eval_examples:
        prompt, reference = chat_data.prompt_and_reference(example)
        prompts.append(prompt)
        references.append(reference)
    task_metric = textmetrics.choose_task_metric(
        [chat_data.prompt_and_reference(e)[1] for e in train_examples] or references
    )
    longest = max(
        (len(tokenizer(chat_data.prompt_and_reference(e)[1])["input_ids"]) for e in train_examples),
        default=32,
    )
    max_new_tokens = settings.max_new_tokens or min(256, int(longest * 1.25) + 8)

    model = get_peft_model(
        model,
        LoraConfig(
            r=settings.rank,
            lora_alpha=settings.alpha,
            lora_dropout=settings.dropout,
            target_modules="all-linear",
            task_type="CAUSAL_LM",
        ),
    )
    trainable_params = sum(p.numel() for p in model.parameters() if p.requires_grad)

    # Baselines first (before any step), cached in the run folder so --resume skips them.
    baselines_file = run_dir / "eval" / "baselines.json"
    baselines: dict[str, Any] = {}
    if main:
        if resume and baselines_file.is_file():
            baselines = json.loads(baselines_file.read_text(encoding="utf-8"))
            log("baselines: reusing the evaluation saved before the interruption")
        else:
            baselines = evaluate_baselines(
                model.to(accelerator.device),
                tokenizer,
                train_examples,
                eval_examples,
                eval_items,
                settings,
                max_new_tokens,
                accelerator.device,
                show,
            )
            write_atomic(baselines_file, json.dumps(baselines) + "\n")
        for name in baseline_names(baselines):
            log(
                f"{name}: loss {baselines[name]['loss']:.3f}, "
                f"{task_metric} {summarise(baselines[name])[task_metric]:.3f}"
            )
    accelerator.wait_for_everyone()

    # Training.
    world = accelerator.num_processes
    global_batch = settings.batch_size * world
    steps_per_epoch = max(1, math.ceil(len(train_items) / global_batch))
    total_steps = settings.max_steps or settings.epochs * steps_per_epoch
    optimiser = torch.optim.AdamW(
        [p for p in model.parameters() if p.requires_grad], lr=settings.learning_rate
    )
    scheduler = get_linear_schedule_with_warmup(optimiser, max(1, total_steps // 10), total_steps)
    model, optimiser = accelerator.prepare(model, optimiser)
    step, losses = 0, []
    found = latest_checkpoint(run_dir) if resume else None
    if found is not None:
        folder, state = found
        step, losses = state["step"], state["losses"]
        set_peft_model_state_dict(
            accelerator.unwrap_model(model),
            torch.load(folder / "adapter.pt", map_location=accelerator.device),
        )
        optimiser.load_state_dict(torch.load(folder / "optimiser.pt", map_location="cpu"))
        scheduler.load_state_dict(torch.load(folder / "scheduler.pt"))
        restore_rng_state(torch.load(folder / "rng.pt", weights_only=False))
        if main:
            log(f"resumed from checkpoint step {step} of {total_steps}")

    def checkpoint() -> None:
        if not main:
            return

        def write(folder: Path) -> None:
            torch.save(
                get_peft_model_state_dict(accelerator.unwrap_model(model)), folder / "adapter.pt"
            )
            torch.save(optimiser.state_dict(), folder / "optimiser.pt")
            torch.save(scheduler.state_dict(), folder / "scheduler.pt")
            torch.save(rng_state(), folder / "rng.pt")

        save_checkpoint(run_dir, step, {"losses": losses, "total_steps": total_steps}, write)

    pad_id = tokenizer.pad_token_id
    bar = ProgressBar("training", total_steps, "steps", enabled=show, start=step)
    train_started = time.perf_counter()
    model.train()
    with StopFlag() as stop:
        while step < total_steps:
            epoch, offset = divmod(step, steps_per_epoch)
            order = list(range(len(train_items)))
            random.Random(settings.seed * 1000 + epoch).shuffle(order)
            start = offset * global_batch
            chunk = order[start : start + global_batch]
            mine = chunk[accelerator.process_index :: world] or chunk[:1]
            batch = {
                k: v.to(accelerator.device)
                for k, v in _collate([train_items[i] for i in mine], pad_id).items()
            }
            summed, counted = _token_losses(model, batch)
            loss = summed.sum() / counted.sum().clamp(min=1)
            accelerator.backward(loss)
            optimiser.step()
            scheduler.step()
            optimiser.zero_grad()
            step += 1
            mean_loss = float(accelerator.reduce(loss.detach(), "mean"))
            losses.append([step, round(mean_loss, 5)])
            bar.update(step, note=f"loss {mean_loss:.3f}")
            interrupted = stop.raised is not None
            periodic = bool(settings.save_every) and step % settings.save_every == 0
            if interrupted or (periodic and step < total_steps):
                checkpoint()
            if interrupted:
                bar.close()
                raise Interrupted(
                    f"Interrupted at step {step} of {total_steps}; checkpoint saved in "
                    f"{run_dir / 'checkpoints'}. Continue with the same command and --resume."
                )
    bar.close()
    seconds = round(time.perf_counter() - train_started, 1)
    accelerator.wait_for_everyone()

    result: dict[str, Any] = {}
    if main:
        unwrapped = accelerator.unwrap_model(model)
        tuned = evaluate_model(
            "fine-tuned",
            unwrapped,
            tokenizer,
            eval_items,
            prompts,
            references,
            max_new_tokens,
            accelerator.device,
            show,
        )
        _save_adapter(unwrapped, tokenizer, run_dir / "model" / "adapter", base_path)
        rows = []
        for index, example in enumerate(eval_examples):
            rows.append(
                json.dumps(
                    {
                        "line": example.line,
                        "reference": references[index],
                        "fine_tuned": tuned["answers"][index],
                        **{n: baselines[n]["answers"][index] for n in baseline_names(baselines)},
                    },
                    ensure_ascii=False,
                )
            )
        write_atomic(run_dir / "eval" / "predictions.jsonl", "\n".join(rows) + "\n")
        result = _metrics_body(
            tuned,
            baselines,
            task_metric,
            settings,
            base_path,
            losses,
            seconds,
            trainable_params,
            train_audit,
            len(train_items),
            max_new_tokens,
        )
        result["training"]["processes"] = accelerator.num_processes
        result["training"]["device"] = str(accelerator.device)
    accelerator.wait_for_everyone()
    return result


def _save_adapter(model: Any, tokenizer: Any, folder: Path, base_path: Path) -> None:
    """The LoRA adapter (peft format) plus the tokenizer, written whole or not at all."""

    def fill(staging: Path) -> None:
        model.save_pretrained(staging)
        tokenizer.save_pretrained(staging)
        (staging / "base_model.txt").write_text(f"{base_path}\n", encoding="utf-8")

    write_folder_atomic(folder, fill)


def _metrics_body(
    tuned: dict[str, Any],
    baselines: dict[str, Any],
    task_metric: str,
    settings: LoraSettings,
    base_path: Path,
    losses: list[list[float]],
    seconds: float,
    trainable_params: int,
    audit: chat_data.MaskAudit,
    train_count: int,
    max_new_tokens: int,
) -> dict[str, Any]:
    models = {"fine_tuned": summarise(tuned)}
    models.update({name: summarise(baselines[name]) for name in baseline_names(baselines)})
    best_name = max(baseline_names(baselines), key=lambda n: models[n][task_metric])
    gain = textmetrics.paired_gain_interval(
        tuned["scores"][task_metric], baselines[best_name]["scores"][task_metric]
    )
    label = "exact match" if task_metric == "exact_match" else "chrF"
    if gain[0] > 0:
        verdict = (
            f"fine-tuning helped: its {label} gain over the best baseline ({best_name}) "
            "is above zero in the 95% bootstrap interval"
        )
    elif gain[1] < 0:
        verdict = f"fine-tuning made it worse than {best_name} on {label} (95% interval below zero)"
    else:
        verdict = (
            f"no measurable difference in {label} between the fine-tuned model and "
            f"{best_name}; keep prompting unless the held-out loss matters to you"
        )
    step_losses = [loss for _, loss in losses]
    return {
        "models": models,
        "task_metric": task_metric,
        "best_baseline": best_name,
        "gain_over_best_baseline_ci95": gain,
        "helped": gain[0] > 0,
        "verdict": verdict,
        "held_out_examples": len(tuned["answers"]),
        "train_examples": train_count,
        "few_shot_lines": baselines.get("_shots", []),
        "training": {
            "base_model": str(base_path),
            "steps": len(losses) and int(losses[-1][0]),
            "seconds": seconds,
            "first_loss": step_losses[0] if step_losses else None,
            "final_loss": round(sum(step_losses[-10:]) / len(step_losses[-10:]), 4)
            if step_losses
            else None,
            "loss_curve": losses[:: max(1, len(losses) // 50)],
            "trainable_parameters": trainable_params,
            "label_mask": audit.as_dict(),
            "max_new_tokens": max_new_tokens,
            "settings": asdict(settings),
        },
    }
