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
import os
import shlex
from dataclasses import replace
from pathlib import Path
from typing import Any

from advisor.advice.measured import with_paths
from advisor.advice.strategies import display_name
from advisor.datasets.model import Example
from advisor.errors import AdvisorError, UsageError
from advisor.fsutil import file_sha256, write_atomic, write_folder_atomic
from advisor.linter.rules.duplicates import D003
from advisor.linter.settings import LintOptions
from advisor.train.cards import model_card
from advisor.train.checkpoint import remove_checkpoints
from advisor.train.settings import TrainSettings
from advisor.version import __version__
from advisor.workflows.advise import advise_on

QUALIFYING = ("fine_tune", "rag_and_fine_tune")


class GateRefused(AdvisorError):
    """The use case does not qualify for training; the message says why."""


# What must match for --resume to continue a run rather than start another.
RESUME_KEYS = ("backend", "dataset", "dataset_sha256", "eval", "seed", "epochs", "settings")


def leak_fix_step(dataset: Path, eval_path: Path) -> str:
    """D003's exact fix command: a leak-free copy of the evaluation file, beside it."""
    clean = eval_path.with_name(f"{eval_path.stem}.noleaks{eval_path.suffix}")
    train, held, out = (shlex.quote(str(p)) for p in (dataset, eval_path, clean))
    return (
        f"evaluation examples leak from training (D003): `advisor lint {train} --eval {held} "
        f"--fix-eval {out}` writes the evaluation file without them; then train with "
        f"--eval {out} (or add --drop-leaks-from train --fix NEW_TRAIN_FILE to drop the "
        "training side instead)"
    )


def gate(advice: Any, lint_errors: list[str]) -> list[str]:
    """Reasons not to train (empty when the case qualifies), most actionable first:
    lint errors to fix, then each rule that rules fine-tuning out with what to do
    about it, then why another strategy won. Suggested changes never touch what
    advisor measured itself (the example count and quality of the dataset)."""
    recommendation = advice.recommendation
    reasons = []
    if lint_errors:
        codes = ", ".join(sorted(set(lint_errors)))
        reasons.append(
            f"the dataset has lint errors ({codes}): fix them first "
            f"(`advisor lint {shlex.quote(str(advice.dataset))}` lists each with its line)"
        )
        if D003.code in lint_errors and advice.eval_path is not None:
            reasons.append(leak_fix_step(Path(advice.dataset), Path(advice.eval_path)))
    steps = {rule.id: rule.next_step for rule in advice.rules}
    blocking = [entry for entry in recommendation.trace if set(entry.gate) & set(QUALIFYING)]
    for entry in blocking:
        step = steps.get(entry.rule)
        action = f"\n    Next: {with_paths(step, advice.dataset)}" if step else ""
        reasons.append(f"[{entry.rule}] rules fine-tuning out: {entry.reason}{action}")
    if recommendation.primary not in QUALIFYING and not blocking:
        favour = [
            entry.rule for entry in recommendation.trace if entry.scores.get(recommendation.primary)
        ]
        because = f" ({', '.join(favour[:4])})" if favour else ""
        reasons.append(
            f"the recommendation is {display_name(recommendation.primary)}, "
            f"not fine-tuning{because}"
        )
        measured = set(recommendation.measured) | {"labelled_examples", "example_quality"}
        for counterfactual in recommendation.counterfactuals:
            if counterfactual.strategy in QUALIFYING and not set(counterfactual.changes) & measured:
                reasons.append(
                    f"it would qualify if {counterfactual.sentence.split(' with ', 1)[-1]}"
                )
    return reasons


def is_main_process() -> bool:
    """False in the extra processes of ``accelerate launch``/``torchrun``: only the
    first one writes the run folder and prints."""
    return os.environ.get("RANK", "0") == "0"


def refuse_foreign_folder(out: Path, resume: bool) -> None:
    """A run folder is new (or empty), or an earlier run's; any other existing path is
    refused before any work, so a run never writes into a folder it did not create."""
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {out} is a file; give a new folder for the run.")
    if not (out / "config.json").is_file() and out.is_dir() and any(out.iterdir()):
        what = "nothing to resume" if resume else "advisor writes a run only into a new folder"
        raise UsageError(
            f"--out {out} is a folder that holds no advisor run (no config.json); {what}. "
            f"Choose a new folder, such as {out / 'run-1'}."
        )


def _check_run_folder(out: Path, config: dict[str, Any], resume: bool) -> dict[str, Any] | None:
    """Never overwrite a run: a folder holding one needs --resume, and must match."""
    refuse_foreign_folder(out, resume)
    existing_file = out / "config.json"
    if not existing_file.is_file():
        return None
    if not resume:
        raise UsageError(
            f"{out} already holds a run; continue it with --resume or choose another --out "
            "(advisor never overwrites a run)."
        )
    existing = json.loads(existing_file.read_text(encoding="utf-8"))
    # A key the earlier run did not record (an older advisor) is not held against it.
    changed = [k for k in RESUME_KEYS if k in existing and existing.get(k) != config.get(k)]
    if changed:
        raise UsageError(
            f"--resume: {out} was started with different {', '.join(changed)}; "
            "rerun with the original options or choose another --out."
        )
    return existing


def run_training(
    options: TrainSettings, log_echo: Any = print, *, lint: LintOptions | None = None
) -> dict[str, Any]:
    """Gate, split, train and evaluate one run; ``lint`` is how the gate lints the
    dataset ([tool.advisor] applied by the workflow; None: the defaults)."""
    main = is_main_process()
    if main:
        refuse_foreign_folder(options.out, options.resume)
    given = lint or LintOptions()
    lint_options = replace(given, quiet=given.quiet or options.quiet or not main)
    advice = advise_on(
        options.answers, dataset=options.dataset, eval_path=options.eval, options=lint_options
    )
    report = advice.lint_report
    assert report is not None  # a dataset was given, so it was linted
    usecase, recommendation = advice.usecase, advice.recommendation
    errors = [f.code for f in report.findings if f.severity == "error"]
    reasons = gate(advice, errors)
    if reasons and not options.force:
        listed = "".join(f"\n  - {reason}" for reason in reasons)
        raise GateRefused(
            f"Not training:{listed}\nUse --force to train anyway (the run records it)."
        )
    backend = options.backend or ("classifier" if usecase.task_type == "classification" else "lora")
    if options.export.submit and backend != "export":
        raise UsageError("--submit goes with --backend export.")
    config = {
        "advisor_version": __version__,
        "backend": backend,
        "forced": bool(reasons) and options.force,
        "gate_reasons": reasons,
        "answers": str(options.answers),
        "dataset": str(options.dataset),
        "dataset_sha256": file_sha256(options.dataset),
        "eval": str(options.eval) if options.eval else None,
        "seed": options.seed,
        "epochs": options.epochs,
        "recommendation": recommendation.primary,
        "settings": options.recorded(backend),
    }
    # Only the first process judges the folder: the others start after it may
    # already have written config.json (accelerate launch / torchrun).
    previous = _check_run_folder(options.out, config, options.resume) if main else None
    if options.resume and (options.out / "metrics.json").is_file():
        if main:
            log_echo(f"{options.out} is already complete; nothing to resume.")
        return json.loads((options.out / "metrics.json").read_text(encoding="utf-8"))
    options.out.mkdir(parents=True, exist_ok=True)
    log_lines: list[str] = []
    log_file = options.out / "train.log"
    if previous is not None and log_file.is_file():
        log_lines = log_file.read_text(encoding="utf-8").splitlines()

    def log(line: str) -> None:
        if not main:
            return
        stamped = f"{dt.datetime.now(dt.UTC).strftime('%H:%M:%S')} {line}"
        log_lines.append(stamped)
        write_atomic(log_file, "\n".join(log_lines) + "\n")
        if not options.quiet:
            log_echo(line)

    if main and previous is None:
        write_atomic(options.out / "config.json", json.dumps(config, indent=2) + "\n")
    if previous is not None:
        log("--resume: continuing the run")
    if reasons:
        log("FORCED past the gate: " + "; ".join(reasons))
    if backend == "classifier":
        body = _train_classifier(options, report, log)
    else:
        body = _train_generative(options, report, backend, log)
    metrics = {"forced": config["forced"], "backend": backend, **body}
    if main:
        write_atomic(options.out / "metrics.json", json.dumps(metrics, indent=2) + "\n")
        write_atomic(options.out / "README.md", model_card(config, metrics))
        remove_checkpoints(options.out)
        log(metrics["verdict"])
    return metrics


def _split_note(options: TrainSettings) -> dict[str, Any]:
    if options.eval is not None:
        return {"kind": "given", "eval_file": str(options.eval)}
    return {
        "kind": "held-out 20%, stratified, duplicate clusters on one side",
        "seed": options.seed,
    }


def _train_classifier(options: TrainSettings, report: Any, log: Any) -> dict[str, Any]:
    texts, labels, groups = _examples(options.dataset, report)
    if options.eval is not None:
        test_texts, test_labels, _ = _examples(options.eval, None)
        train_texts, train_labels = texts, labels
    else:
        from advisor.train.split import holdout_split

        train_index, test_index = holdout_split(labels, groups, seed=options.seed)
        train_texts = [texts[i] for i in train_index]
        train_labels = [labels[i] for i in train_index]
        test_texts = [texts[i] for i in test_index]
        test_labels = [labels[i] for i in test_index]
    split = _split_note(options)
    log(f"{len(train_texts)} training and {len(test_texts)} held-out examples ({split['kind']})")
    from advisor.similarity.embeddings import load_embedder
    from advisor.train.classifier import run_classifier

    metrics_body, tuned, head, frozen_head = run_classifier(
        load_embedder(),
        train_texts,
        train_labels,
        test_texts,
        test_labels,
        seed=options.seed,
        epochs=options.epochs,
        progress=not options.quiet,
        log=log,
        run_dir=options.out,
        resume=options.resume,
        save_every=options.save_every,
    )
    _save_encoder(tuned, options.out / "model" / "encoder")
    write_atomic(options.out / "model" / "head.json", _head_json(head))
    # The frozen encoder is the bundled MiniLM itself; its head is all a team needs
    # to ship the baseline when the verdict says fine-tuning did not help.
    write_atomic(options.out / "model" / "frozen_head.json", _head_json(frozen_head))
    return {"split": split, **metrics_body}


def _head_json(head: Any) -> str:
    return json.dumps(
        {
            "classes": [str(c) for c in head.classes_],
            "coef": head.coef_.tolist(),
            "intercept": head.intercept_.tolist(),
        }
    )


def _save_encoder(model: Any, folder: Path) -> None:
    """sentence-transformers writes file by file; stage it and rename it into place."""
    write_folder_atomic(folder, lambda staging: model.save(str(staging)))


def _train_generative(
    options: TrainSettings, report: Any, backend: str, log: Any
) -> dict[str, Any]:
    """lora and export: conversations (classification rows become label answers)."""
    import random

    examples, groups = _sft_examples(options.dataset, report)
    if options.eval is not None:
        held, _ = _sft_examples(options.eval, None)
        train = examples
    else:
        from advisor.train.split import holdout_split

        labels = [e.label or "" for e in examples]
        train_index, test_index = holdout_split(labels, groups, seed=options.seed)
        train = [examples[i] for i in train_index]
        held = [examples[i] for i in test_index]
    split = _split_note(options)
    if backend == "export":
        from advisor.train.export import run_export

        log(f"{len(train)} training and {len(held)} validation examples ({split['kind']})")
        body = run_export(
            options.out,
            train,
            held,
            list(options.export.providers),
            model=options.export.model,
            system_prompt=options.system_prompt,
            log=log,
        )
        if options.export.submit == "openai" and "openai" in body["export"]:
            from advisor.train.submit import submit_openai

            body["submission"] = submit_openai(
                options.out / "export" / "openai", body["export"]["openai"], log
            )
        return {"split": split, **body}
    evaluated = held
    if len(held) > options.lora.max_eval:
        evaluated = random.Random(options.seed).sample(held, options.lora.max_eval)
        evaluated.sort(key=lambda e: e.line)
    log(
        f"{len(train)} training and {len(held)} held-out examples ({split['kind']})"
        + (
            f"; evaluating a seeded sample of {len(evaluated)}"
            if len(evaluated) < len(held)
            else ""
        )
    )
    from advisor.train.lora import LoraSettings, run_lora

    body = run_lora(
        options.out,
        train,
        evaluated,
        LoraSettings(**options.recorded("lora")),
        resume=options.resume,
        progress=not options.quiet,
        log=log,
        dataset_label=str(options.dataset),
    )
    return {"split": {**split, "evaluated": len(evaluated)}, **body}


def _duplicate_groups(path: Path, report: Any) -> dict[int, int]:
    """Line -> keeper line of its duplicate cluster (exact, near or semantic)."""
    from advisor.linter.clusters import build_clusters

    keeper_of: dict[int, int] = {}
    if report is not None:
        clusters = build_clusters([f for f in _findings(report) if f.file == str(path)]).clusters
        for cluster in clusters:
            for member in cluster.members:
                keeper_of[member.line] = cluster.keeper.line
    return keeper_of


def _sft_examples(path: Path, report: Any) -> tuple[list[Example], list[int]]:
    """Valid conversations (or labelled rows) and their duplicate-cluster groups."""
    from advisor.datasets import open_dataset
    from advisor.datasets.model import CLASSIFICATION, SFT, Message

    keeper_of = _duplicate_groups(path, report)
    examples, groups = [], []
    kinds = set()
    for example in open_dataset(path).examples():
        kinds.add(example.kind)
        if not example.valid:
            continue
        if example.kind == CLASSIFICATION and example.label is not None and example.messages:
            example.messages = [
                Message("user", example.messages[0].content),
                Message("assistant", example.label),
            ]
        elif example.kind != SFT:
            continue
        examples.append(example)
        groups.append(keeper_of.get(example.line, example.line))
    if not examples:
        found = ", ".join(sorted(kinds)) or "nothing readable"
        raise UsageError(
            f"{path}: no valid conversations to train on (found {found}); the lora and export "
            "backends take chat, instruction or prompt/completion data, or labelled rows."
        )
    return examples, groups


def _examples(path: Path, report: Any) -> tuple[list[str], list[str], list[int]]:
    """Texts, labels and duplicate-cluster groups of a classification file."""
    from advisor.datasets import open_dataset

    keeper_of = _duplicate_groups(path, report)
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
