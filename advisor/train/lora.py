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
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from advisor.datasets.model import Example
from advisor.fsutil import write_atomic, write_folder_atomic
from advisor.measure import textmetrics
from advisor.progress import ProgressBar
from advisor.train import chat_data
from advisor.train.checkpoint import (
    Interrupted,
    StopFlag,
    latest_checkpoint,
    restore_rng_state,
    rng_state,
    save_checkpoint,
)
from advisor.train.lm_eval import (
    baseline_names,
    collate,
    evaluate_baselines,
    evaluate_model,
    metrics_body,
    summarise,
    token_losses,
)

Log = Callable[[str], None]


@dataclass(frozen=True)
class LoraSettings:
    """One LoRA run's settings, as ``TrainSettings.recorded("lora")`` gives them (the
    defaults live in ``advisor.train.settings``, written once)."""

    base_model: str | None
    max_length: int
    batch_size: int
    learning_rate: float
    rank: int
    alpha: int
    dropout: float
    epochs: int
    max_steps: int | None
    save_every: int
    few_shot: int
    system_prompt: str | None
    max_new_tokens: int | None
    seed: int


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
    from accelerate import Accelerator
    from accelerate.utils import set_seed
    from peft import LoraConfig, get_peft_model

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

    train_items, eval_items, train_audit = _encode_and_audit(
        tokenizer, train_examples, eval_examples, settings, run_dir, main, log, dataset_label
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

    model, losses, seconds = _train(
        accelerator,
        model,
        train_items,
        tokenizer.pad_token_id,
        settings,
        run_dir,
        resume=resume,
        show=show,
        log=log,
    )

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
        result = metrics_body(
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


def _encode_and_audit(
    tokenizer: Any,
    train_examples: list[Example],
    eval_examples: list[Example],
    settings: LoraSettings,
    run_dir: Path,
    main: bool,
    log: Log,
    dataset_label: str,
) -> tuple[list[chat_data.Encoded], list[chat_data.Encoded], chat_data.MaskAudit]:
    """The label-mask audit: write what is trained, refuse when an example teaches nothing."""
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

    return train_items, eval_items, train_audit


def _train(
    accelerator: Any,
    model: Any,
    train_items: list[chat_data.Encoded],
    pad_id: int,
    settings: LoraSettings,
    run_dir: Path,
    *,
    resume: bool,
    show: bool,
    log: Log,
) -> tuple[Any, list[list[float]], float]:
    """The loop: deterministic data order, checkpoints, Ctrl-C -> checkpoint -> exit 130.

    Each global batch is ``batch_size`` x processes examples in an order fixed by
    the seed and the epoch, and each process takes its slice, so a resumed run
    sees exactly the batches an uninterrupted one would.
    """
    import torch
    from peft import get_peft_model_state_dict, set_peft_model_state_dict
    from transformers import get_linear_schedule_with_warmup

    main = accelerator.is_main_process
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
                for k, v in collate([train_items[i] for i in mine], pad_id).items()
            }
            summed, counted = token_losses(model, batch)
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
    return model, losses, seconds


def _save_adapter(model: Any, tokenizer: Any, folder: Path, base_path: Path) -> None:
    """The LoRA adapter (peft format) plus the tokenizer, written whole or not at all."""

    def fill(staging: Path) -> None:
        model.save_pretrained(staging)
        tokenizer.save_pretrained(staging)
        (staging / "base_model.txt").write_text(f"{base_path}\n", encoding="utf-8")

    write_folder_atomic(folder, fill)
