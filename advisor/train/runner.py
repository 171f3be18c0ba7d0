"""`advisor train`: the gate, the held-out split, the backend, the run folder.

The runner asks the rules engine first and refuses (with the reasons and the
counterfactuals) unless the advice is fine_tune or rag_and_fine_tune and the
dataset has no lint errors; ``--force`` overrides and the run records it.
Every file of the run folder is written atomically; ``metrics.json`` is the
contract the report reads.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from advisor import __version__
from advisor.errors import AdvisorError, UsageError
from advisor.fsutil import write_atomic

QUALIFYING = ("fine_tune", "rag_and_fine_tune")


class GateRefused(AdvisorError):
    """The use case does not qualify for training; the message says why."""


@dataclass
class TrainOptions:
    answers: Path
    dataset: Path
    out: Path
    eval_path: Path | None = None
    backend: str | None = None
    force: bool = False
    seed: int = 13
    epochs: int = 1
    quiet: bool = False


def gate(recommendation: Any, lint_errors: list[str]) -> list[str]:
    """Reasons not to train (empty when the case qualifies)."""
    reasons = []
    if recommendation.primary not in QUALIFYING:
        reasons.append(
            f"the recommendation is {recommendation.primary}, not fine-tuning "
            f"({', '.join(e.rule for e in recommendation.trace[:6])})"
        )
        for counterfactual in recommendation.counterfactuals:
            if counterfactual.strategy in QUALIFYING:
                reasons.append(
                    f"it would qualify if {counterfactual.sentence.split(' with ', 1)[-1]}"
                )
    if lint_errors:
        reasons.append(f"the dataset has lint errors: {', '.join(sorted(set(lint_errors)))}")
    return reasons


def run_training(options: TrainOptions, log_echo: Any = print) -> dict[str, Any]:
    from advisor.engine import apply_facts, dataset_facts, load_rules, recommend
    from advisor.linter.runner import LintOptions, run_lint
    from advisor.usecase import load_answers

    loaded = load_answers(options.answers)
    lint_run = run_lint(
        [options.dataset], LintOptions(quiet=options.quiet), eval_path=options.eval_path
    )
    report = lint_run.report()
    usecase, _, _ = apply_facts(loaded.usecase, dataset_facts(report))
    recommendation = recommend(usecase, load_rules(), facts=dataset_facts(report))
    errors = [f.code for f in report.findings if f.severity == "error"]
    reasons = gate(recommendation, errors)
    if reasons and not options.force:
        raise GateRefused("Not training: " + "; ".join(reasons) + ". Use --force to train anyway.")
    backend = options.backend or ("classifier" if usecase.task_type == "classification" else "lora")
    if backend != "classifier":
        raise UsageError(
            f"The {backend} backend is not built yet; only --backend classifier (classification "
            "data) trains today."
        )
    options.out.mkdir(parents=True, exist_ok=True)
    log_lines: list[str] = []

    def log(line: str) -> None:
        stamped = f"{dt.datetime.now(dt.UTC).strftime('%H:%M:%S')} {line}"
        log_lines.append(stamped)
        write_atomic(options.out / "train.log", "\n".join(log_lines) + "\n")
        if not options.quiet:
            log_echo(line)

    config = {
        "advisor_version": __version__,
        "backend": backend,
        "forced": bool(reasons) and options.force,
        "gate_reasons": reasons,
        "answers": str(options.answers),
        "dataset": str(options.dataset),
        "eval": str(options.eval_path) if options.eval_path else None,
        "seed": options.seed,
        "epochs": options.epochs,
        "recommendation": recommendation.primary,
    }
    write_atomic(options.out / "config.json", json.dumps(config, indent=2) + "\n")
    if reasons:
        log("FORCED past the gate: " + "; ".join(reasons))
    texts, labels, groups = _examples(options.dataset, report)
    if options.eval_path is not None:
        test_texts, test_labels, _ = _examples(options.eval_path, None)
        train_index = list(range(len(texts)))
        train_texts, train_labels = texts, labels
        split = {"kind": "given", "eval_file": str(options.eval_path)}
    else:
        from advisor.train.split import holdout_split

        train_index, test_index = holdout_split(labels, groups, seed=options.seed)
        train_texts = [texts[i] for i in train_index]
        train_labels = [labels[i] for i in train_index]
        test_texts = [texts[i] for i in test_index]
        test_labels = [labels[i] for i in test_index]
        split = {
            "kind": "held-out 20%, stratified, duplicate clusters on one side",
            "seed": options.seed,
        }
    log(f"{len(train_texts)} training and {len(test_texts)} held-out examples ({split['kind']})")
    from advisor.embeddings import load_embedder
    from advisor.train.classifier import run_classifier

    metrics_body, tuned, head = run_classifier(
        load_embedder(),
        train_texts,
        train_labels,
        test_texts,
        test_labels,
        seed=options.seed,
        epochs=options.epochs,
        progress=not options.quiet,
        log=log,
    )
    tuned.save(str(options.out / "model" / "encoder"))
    write_atomic(
        options.out / "model" / "head.json",
        json.dumps(
            {
                "classes": [str(c) for c in head.classes_],
                "coef": head.coef_.tolist(),
                "intercept": head.intercept_.tolist(),
            }
        ),
    )
    metrics = {
        "forced": config["forced"],
        "backend": backend,
        "split": split,
        **metrics_body,
    }
    write_atomic(options.out / "metrics.json", json.dumps(metrics, indent=2) + "\n")
    write_atomic(options.out / "README.md", _model_card(config, metrics))
    log(metrics["verdict"])
    return metrics


def _examples(path: Path, report: Any) -> tuple[list[str], list[str], list[int]]:
    """Texts, labels and duplicate-cluster groups of a classification file."""
    from advisor.datasets import open_dataset
    from advisor.linter.clusters import build_clusters

    keeper_of: dict[int, int] = {}
    if report is not None:
        clusters = build_clusters([f for f in _findings(report) if f.file == str(path)]).clusters
        for cluster in clusters:
            for member in cluster.members:
                keeper_of[member.line] = cluster.keeper.line
    texts, labels, groups = [], [], []
    for example in open_dataset(path).examples():
        if not example.valid or example.label is None or not example.messages:
            continue
        texts.append(example.messages[0].content)
        labels.append(example.label)
        groups.append(keeper_of.get(example.line, example.line))
    if len(set(labels)) < 2:
        raise UsageError(f"{path}: the classifier backend needs labelled data with 2+ classes.")
    return texts, labels, groups


def _findings(report: Any) -> list[Any]:
    from advisor.linter.findings import Finding

    return [Finding(**f.model_dump()) for f in report.findings]


def _model_card(config: dict[str, Any], metrics: dict[str, Any]) -> str:
    def cell(m: dict[str, Any], metric: str) -> str:
        low, high = m["ci95"][metric]
        return f"{m[metric]:.3f} [{low:.3f}, {high:.3f}]"

    rows = "\n".join(
        f"| {name} | {cell(m, 'accuracy')} | {cell(m, 'macro_f1')} |"
        for name, m in metrics["models"].items()
    )
    forced = (
        "\n**This run was forced past the gate:** " + "; ".join(config["gate_reasons"]) + "\n"
        if config["forced"]
        else ""
    )
    return f"""# Model card: {config["backend"]} fine-tune

Trained by advisor {config["advisor_version"]} from `{config["dataset"]}` (seed {config["seed"]},
{config["epochs"]} epoch(s)); the rules engine recommended **{config["recommendation"]}**.
{forced}
Encoder: all-MiniLM-L6-v2 fine-tuned contrastively on {metrics["training"]["pairs"]} sampled
pairs ({metrics["training"]["steps"]} steps, {metrics["training"]["seconds"]} s), with a
logistic-regression head (`model/encoder`, `model/head.json`).

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
