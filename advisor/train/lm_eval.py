"""Evaluating a causal LM on held-out conversations: loss on the reference
answers, greedy answers scored by the task metric, and the prompting baselines.

Every model — the base model with the system prompt, with a few-shot prompt,
and the fine-tuned one — is scored on the same held-out prompts and the same
target tokens, so the numbers compare like for like; the verdict rests on the
paired bootstrap interval of the gain over the better baseline.
"""

from __future__ import annotations

import math
import random
from dataclasses import asdict
from pathlib import Path
from typing import Any

from advisor.datasets.model import Example
from advisor.measure import textmetrics
from advisor.progress import ProgressBar
from advisor.train import chat_data


def few_shot_messages(prompt: list[dict[str, Any]], shots: list[Example]) -> list[dict[str, Any]]:
    """Insert solved examples as earlier turns, after any system message."""
    head = [m for m in prompt[:1] if m["role"] == "system"]
    rest = prompt[len(head) :]
    turns: list[dict[str, Any]] = []
    for shot in shots:
        shot_prompt, answer = chat_data.prompt_and_reference(shot)
        turns += [{**m, "train": False} for m in shot_prompt if m["role"] != "system"]
        turns.append({"role": "assistant", "content": answer, "train": False})
    return head + turns + rest


def pick_shots(train: list[Example], count: int, seed: int) -> list[Example]:
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


def batches(items: list[Any], size: int) -> list[list[Any]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def collate(items: list[chat_data.Encoded], pad_id: int) -> dict[str, Any]:
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


def token_losses(model: Any, batch: dict[str, Any]) -> tuple[Any, Any]:
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
        for chunk in batches(items, 8):
            batch = {k: v.to(device) for k, v in collate(chunk, pad_id).items()}
            summed, counted = token_losses(model, batch)
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
        for chunk in batches(prompts, batch_size):
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
    settings: Any,
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
    shots = pick_shots(train_examples, settings.few_shot, settings.seed)
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
                    few_shot_messages(chat_data.chat_messages(example), shots),
                )
                for example in eval_examples
            ]
            shot_prompts = [few_shot_messages(p, shots) for p in prompts]
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
        mean, interval = textmetrics.score_interval(values, metric == "exact_match")
        summary[metric] = mean
        summary["ci95"][metric] = interval
    return summary


def metrics_body(
    tuned: dict[str, Any],
    baselines: dict[str, Any],
    task_metric: str,
    settings: Any,
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
            + textmetrics.too_small_note(len(tuned["answers"]))
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
