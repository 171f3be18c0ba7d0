"""The report's data: everything the page shows, as plain data (also its JSON twin).

Built from the use case, the recommendation and the lint report; re-reads the
dataset only for the text snippets of duplicate clusters.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from advisor.errors import InputError
from advisor.fsutil import file_sha256
from advisor.resources import rules_dir
from advisor.version import __version__

SNIPPET = 160
# At most this many example lines per file are quoted in the report.
SNIPPET_LINES = 200


def build_report_data(
    *,
    usecase: dict[str, Any],
    defaulted: list[str],
    recommendation: dict[str, Any],
    lint: dict[str, Any] | None,
    inputs: list[tuple[str, Path]],
    rule_files: list[Path],
    snippets: dict[str, dict[int, str]] | None = None,
    training: dict[str, Any] | None = None,
    answers: dict[str, Any] | None = None,
    measured_facts: dict[str, Any] | None = None,
    docs: dict[str, Any] | None = None,
    baseline: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Everything the page shows, as plain data (this is also the JSON twin).

    ``usecase`` is what the advice used (measured facts in place of claims);
    ``answers`` what was answered; ``measured_facts`` the numbers the rules read.
    """
    return {
        "advisor_version": __version__,
        "generated_at": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
        "usecase": usecase,
        "answers": answers if answers is not None else usecase,
        "measured_facts": measured_facts,
        "docs": docs,
        "baseline": baseline,
        "defaulted": defaulted,
        "recommendation": recommendation,
        "lint": lint,
        "snippets": {
            file: {str(line): text for line, text in lines.items()}
            for file, lines in (snippets or {}).items()
        },
        "training": training,
        "provenance": {
            "inputs": [
                {"role": role, "file": str(path), "sha256": file_sha256(path)}
                for role, path in inputs
            ],
            "rule_files": [
                {"file": _rule_file_name(path), "sha256": file_sha256(path)} for path in rule_files
            ],
        },
    }


def _rule_file_name(path: Path) -> str:
    """A policy file by its path; a bundled one by name, the same on every machine."""
    if path.parent.resolve() == rules_dir().resolve():
        return f"{path.name} (bundled with advisor {__version__})"
    return str(path)


def load_training(run: Path) -> dict[str, Any]:
    """A run folder's metrics.json (the `advisor train` contract), checked."""
    path = Path(run) / "metrics.json"
    try:
        metrics = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(f"{path}: cannot read the training metrics ({exc}).") from exc
    models = metrics.get("models") if isinstance(metrics, dict) else None
    exported = isinstance(metrics, dict) and isinstance(metrics.get("export"), dict)
    if not isinstance(models, dict) or ("fine_tuned" not in models and not exported):
        raise InputError(f"{path}: not an advisor training run (no models.fine_tuned).")
    config = _run_config(Path(run))
    return {
        "run": str(run),
        **metrics,
        "columns": training_columns(metrics),
        "trained_on": {
            "dataset": config.get("dataset"),
            "sha256": config.get("dataset_sha256"),
        },
        "headline": training_headline(metrics),
    }


def _run_config(run: Path) -> dict[str, Any]:
    """The run's config.json (what it was trained on), or {} for a run without one."""
    try:
        config = json.loads((run / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return config if isinstance(config, dict) else {}


def training_headline(metrics: dict[str, Any]) -> str | None:
    """What the run means for the decision, in one sentence (None for export runs)."""
    if metrics.get("export") is not None or "helped" not in metrics:
        return None
    if metrics["helped"]:
        return (
            "Fine-tuning beat the baselines on held-out data: the trained model is worth shipping."
        )
    if metrics.get("backend") == "lora":
        best = metrics.get("best_baseline", "the best baseline")
        return f"Fine-tuning did not beat the baseline ({best}) on held-out data: keep prompting."
    return (
        "Fine-tuning did not beat the baseline on held-out data: ship the frozen encoder with "
        "its head (model/frozen_head.json)."
    )


def check_run_dataset(training: dict[str, Any], dataset: Path | None) -> None:
    """A run shown next to a dataset must have been trained on that dataset: refused
    when the SHA-256 differs; marked when it cannot be checked."""
    trained = training.get("trained_on") or {}
    if dataset is None or not trained.get("sha256"):
        why = "no --dataset given" if dataset is None else "the run predates dataset hashes"
        trained["checked"] = f"not checked ({why})"
        return
    if trained["sha256"] != file_sha256(dataset):
        raise InputError(
            f"--run {training['run']} was trained on {trained.get('dataset')}, whose contents "
            f"differ from --dataset {dataset} (SHA-256); give the dataset it was trained on, "
            "or leave --run out."
        )
    trained["checked"] = "same dataset (SHA-256 matches)"


def training_columns(metrics: dict[str, Any]) -> list[dict[str, Any]]:
    """Which held-out numbers the report's table shows for this backend."""
    if metrics.get("backend") == "lora":
        task = metrics.get("task_metric", "chrf")
        return [
            {"key": "loss", "label": "Held-out loss", "ci": False},
            {"key": "perplexity", "label": "Perplexity", "ci": False},
            {"key": task, "label": "Exact match" if task == "exact_match" else "chrF", "ci": True},
        ]
    return [
        {"key": "accuracy", "label": "Accuracy", "ci": True},
        {"key": "macro_f1", "label": "Macro-F1", "ci": True},
    ]


def dataset_snippets(path: Path, lines: set[int]) -> dict[int, str]:
    """The input text of the examples on ``lines`` (shortened), for the report."""
    from advisor.datasets import open_dataset
    from advisor.linter.analyse import comparison_texts

    found: dict[int, str] = {}
    if not lines:
        return found
    for example in open_dataset(path).examples():
        if example.line in lines and example.line not in found and example.messages:
            text = " ".join(comparison_texts(example)[0].split()) or " ".join(
                m.content for m in example.messages
            )
            found[example.line] = text if len(text) <= SNIPPET else text[: SNIPPET - 1] + "…"
            if len(found) == len(lines):
                break
    return found


def snippet_lines(lint: Any) -> dict[str, set[int]]:
    """Which lines of which file the report quotes: both ends of every duplicate,
    conflict and leak finding (the first ``SNIPPET_LINES`` of each file)."""
    wanted: dict[str, set[int]] = {}
    for finding in lint.findings:
        if finding.duplicate_of and finding.line is not None:
            wanted.setdefault(finding.file, set()).add(finding.line)
            wanted.setdefault(finding.duplicate_of["file"], set()).add(finding.duplicate_of["line"])
    return {file: set(sorted(lines)[:SNIPPET_LINES]) for file, lines in wanted.items()}
