"""Model cards (the run folder's README.md), one shape per backend.

A card says what was trained from what, whether the gate was forced, and the
held-out comparison with the baselines in one table, ending with the verdict in
plain words: that sentence is what a team lead forwards.
"""

from __future__ import annotations

from typing import Any


def model_card(config: dict[str, Any], metrics: dict[str, Any]) -> str:
    forced = (
        "\n**This run was forced past the gate:** " + "; ".join(config["gate_reasons"]) + "\n"
        if config["forced"]
        else ""
    )
    if metrics["backend"] == "lora":
        return _lora_card(config, metrics, forced)
    if metrics["backend"] == "export":
        return _export_card(config, metrics, forced)
    return _classifier_card(config, metrics, forced)


def _interval(m: dict[str, Any], metric: str) -> str:
    low, high = m["ci95"][metric]
    return f"{m[metric]:.3f} [{low:.3f}, {high:.3f}]"


def _classifier_card(config: dict[str, Any], metrics: dict[str, Any], forced: str) -> str:
    rows = "\n".join(
        f"| {name} | {_interval(m, 'accuracy')} | {_interval(m, 'macro_f1')} |"
        for name, m in metrics["models"].items()
    )
    return f"""# Model card: {config["backend"]} fine-tune

Trained by advisor {config["advisor_version"]} from `{config["dataset"]}` (seed {config["seed"]},
{config["epochs"]} epoch(s)); the rules engine recommended **{config["recommendation"]}**.
{forced}
Encoder: all-MiniLM-L6-v2 fine-tuned contrastively on {metrics["training"]["pairs"]} sampled
pairs ({metrics["training"]["steps"]} steps, {metrics["training"]["seconds"]} s), with a
logistic-regression head (`model/encoder`, `model/head.json`). The baseline's head for the
unchanged all-MiniLM-L6-v2 is `model/frozen_head.json`: ship that pair when the verdict below
says fine-tuning did not help.

## Held-out results ({metrics["held_out_examples"]} examples, {metrics["split"]["kind"]})

| model | accuracy [95% CI] | macro-F1 [95% CI] |
|---|---|---|
{rows}

Accuracy gain over the frozen encoder, 95% paired bootstrap interval:
{metrics["accuracy_gain_over_frozen_ci95"]}.

**Verdict:** {metrics["verdict"]}.

Baselines: `baseline_frozen` is the same encoder before fine-tuning with the same head;
`baseline_zero_shot` picks the label whose name is most similar to the text (the
prompting analogue).
"""


def _lora_card(config: dict[str, Any], metrics: dict[str, Any], forced: str) -> str:
    training = metrics["training"]
    task = metrics["task_metric"]
    label = "exact match" if task == "exact_match" else "chrF"
    rows = "\n".join(
        f"| {name} | {m['loss']:.3f} | {m['perplexity']:.2f} | {_interval(m, task)} |"
        for name, m in metrics["models"].items()
    )
    mask = training["label_mask"]
    lines = metrics["few_shot_lines"]
    shots = (
        f"; `baseline_few_shot` adds {len(lines)} training examples (lines "
        f"{', '.join(map(str, lines))}) as earlier turns"
        if lines
        else ""
    )
    return f"""# Model card: LoRA fine-tune

Trained by advisor {config["advisor_version"]} from `{config["dataset"]}` (seed {config["seed"]});
the rules engine recommended **{config["recommendation"]}**.
{forced}
Base model: `{training["base_model"]}`. LoRA rank {training["settings"]["rank"]} on every linear
layer ({training["trainable_parameters"]:,} trainable parameters), {training["steps"]} steps in
{training["seconds"]} s; training loss {training["first_loss"]} -> {training["final_loss"]}.
Loss on assistant tokens only: {mask["trainable_tokens"]:,} of {mask["tokens"]:,} tokens
(`label_mask_sample.txt` shows which). Adapter: `model/adapter` (peft format).

## Held-out results ({metrics["held_out_examples"]} examples, {metrics["split"]["kind"]})

| model | loss | perplexity | {label} [95% CI] |
|---|---|---|---|
{rows}

{label} gain over {metrics["best_baseline"]}, 95% paired bootstrap interval:
{metrics["gain_over_best_baseline_ci95"]}.

**Verdict:** {metrics["verdict"]}.

Baselines: `baseline_zero_shot` is the base model with the system prompt{shots}. Answers are greedy;
`eval/predictions.jsonl` has every answer next to its reference.
"""


def _export_card(config: dict[str, Any], metrics: dict[str, Any], forced: str) -> str:
    sections = []
    for name, summary in metrics["export"].items():
        state = (
            "lints clean"
            if summary["ready"]
            else "lint errors: " + ", ".join(summary["lint_errors"])
        )
        commands = "\n".join(summary["commands"])
        sections.append(
            f"## {summary['title']} ({summary['model']}): {state}\n\n"
            f"Files: {', '.join(f'`{p}`' for p in summary['files'].values())}\n\n"
            f"Run `sh export/{name}/COMMANDS.sh`, or these commands in `export/{name}/`:\n\n"
            f"```sh\n{commands}\n```\n"
        )
    submitted = ""
    if metrics.get("submission"):
        sub = metrics["submission"]
        submitted = f"\nSubmitted to OpenAI: job `{sub['job_id']}` ({sub['status']}).\n"
    return f"""# Training files for hosted fine-tuning

Exported by advisor {config["advisor_version"]} from `{config["dataset"]}`; the rules engine
recommended **{config["recommendation"]}**.
{forced}{submitted}
{metrics["train_examples"]} training and {metrics["held_out_examples"]} validation examples
({metrics["split"]["kind"]}). Each provider's files were linted again with that provider's
profile.

{"".join(sections)}"""
