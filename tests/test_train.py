"""advisor train (classifier backend): the gate, the split, an end-to-end run."""

from __future__ import annotations

import csv
import json
from collections import Counter
from pathlib import Path

import pytest

from advisor.train.split import holdout_split
from tests.helpers import interrupt_when, invoke, report_run, train_cli

QUALIFYING = (
    'task_type = "classification"\nlabelled_examples = 64\nexample_quality = "high"\n'
    "prompt_engineering_tried = true\nprompting_meets_quality_bar = false\n"
)


def train(answers: Path, data: Path, out: str, *extra: str):  # type: ignore[no-untyped-def]
    """`advisor train` through the console script, quietly."""
    return train_cli(answers, data, out, *extra, "-q")


@pytest.fixture
def small_banking(real_data: Path, tmp_path: Path) -> Path:
    """4 Banking77 intents, 16 examples each (a real subset)."""
    wanted = ["card_arrival", "pin_blocked", "exchange_rate", "lost_or_stolen_card"]
    counts: Counter[str] = Counter()
    rows = []
    with (real_data / "banking77" / "train.csv").open(encoding="utf-8") as handle:
        for text, label in list(csv.reader(handle))[1:]:
            if label in wanted and counts[label] < 16:
                rows.append((text, label))
                counts[label] += 1
    path = tmp_path / "train.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["text", "label"])
        writer.writerows(rows)
    return path


def test_split_keeps_duplicate_clusters_together_and_is_stratified() -> None:
    labels = ["a"] * 20 + ["b"] * 20
    groups = list(range(40))
    groups[5] = groups[6] = groups[7] = 5  # a cluster of three "a" examples
    train, held = holdout_split(labels, groups, fraction=0.25, seed=1)
    assert set(train).isdisjoint(held) and len(train) + len(held) == 40
    sides = {5 in held, 6 in held, 7 in held}
    assert len(sides) == 1  # the whole cluster on one side
    held_labels = Counter(labels[i] for i in held)
    assert held_labels["a"] >= 4 and held_labels["b"] >= 4
    assert holdout_split(labels, groups, fraction=0.25, seed=1) == (train, held)  # seeded


def test_gate_refuses_with_reasons(small_banking: Path, tmp_path: Path) -> None:
    answers = tmp_path / "untried.toml"
    answers.write_text('task_type = "classification"\nprompt_engineering_tried = false\n')
    result = train(answers, small_banking, str(tmp_path / "run"))
    assert result.returncode == 1
    assert "Not training" in result.stderr and "prompting" in result.stderr
    assert "--force" in result.stderr
    assert not (tmp_path / "run" / "metrics.json").exists()


def test_end_to_end_classifier_run(small_banking: Path, tmp_path: Path) -> None:
    answers = tmp_path / "ok.toml"
    answers.write_text(QUALIFYING)
    out = tmp_path / "run"
    result = train(answers, small_banking, str(out))
    assert result.returncode == 0, result.stderr
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["forced"] is False and metrics["backend"] == "classifier"
    assert set(metrics["models"]) == {"fine_tuned", "baseline_frozen", "baseline_zero_shot"}
    held_out = metrics["held_out_examples"]
    for model in metrics["models"].values():
        assert 0.0 <= model["accuracy"] <= 1.0 and 0.0 <= model["macro_f1"] <= 1.0
        low, high = model["ci95"]["accuracy"]
        assert low <= model["accuracy"] <= high
        # A Wilson interval on a dozen examples is never a single point, even at 0 or 1.
        assert high - low > 0.15, (held_out, model)
    gain_low, gain_high = metrics["accuracy_gain_over_frozen_ci95"]
    assert metrics["helped"] == (gain_low > 0)
    assert metrics["verdict"].startswith(
        "fine-tuning helped"
        if metrics["helped"]
        else ("fine-tuning made" if gain_high < 0 else "no measurable")
    )
    assert metrics["held_out_examples"] >= 8 and metrics["train_examples"] >= 40
    if metrics["verdict"].startswith("no measurable"):
        assert "too few to tell the models apart" in metrics["verdict"]
    assert (out / "model" / "head.json").is_file()
    assert (out / "model" / "frozen_head.json").is_file()
    assert (out / "model" / "encoder" / "config.json").is_file()
    card = (out / "README.md").read_text()
    assert "Verdict" in card and "baseline_zero_shot" in card
    assert json.loads((out / "config.json").read_text())["recommendation"] == "fine_tune"
    assert "held-out" in (out / "train.log").read_text()
    # The report shows the run's held-out results.
    page = tmp_path / "report.html"
    shown = report_run(answers, out, page, small_banking)
    assert shown.returncode == 0, shown.stderr
    html = page.read_text()
    assert metrics["verdict"].capitalize() in html and "baseline_zero_shot" in html
    assert "same dataset (SHA-256 matches)" in html
    assert ("Fine-tuning beat" if metrics["helped"] else "Fine-tuning did not beat") in html


def test_interrupted_classifier_run_resumes_to_the_same_result(
    small_banking: Path, tmp_path: Path
) -> None:
    """Ctrl-C mid-training saves a checkpoint; --resume finishes the same run: the
    resumed model's held-out results equal an uninterrupted run's."""
    answers = tmp_path / "ok.toml"
    answers.write_text(QUALIFYING)
    whole = tmp_path / "whole"
    assert train(answers, small_banking, str(whole), "--save-every", "3").returncode == 0
    out = tmp_path / "cut"
    args = ["train", "--answers", str(answers), "--dataset", str(small_banking)]
    args += ["--out", str(out), "--save-every", "3", "-q"]
    stopped = interrupt_when(args, lambda: (out / "checkpoints" / "step-3").is_dir())
    assert stopped.returncode == 130, stopped.stderr
    assert "--resume" in stopped.stderr and not (out / "metrics.json").exists()
    again = train(answers, small_banking, str(out))
    assert again.returncode == 2 and "--resume" in again.stderr  # never overwrites a run
    resumed = train(answers, small_banking, str(out), "--save-every", "3", "--resume")
    assert resumed.returncode == 0, resumed.stderr
    first = json.loads((whole / "metrics.json").read_text())
    second = json.loads((out / "metrics.json").read_text())
    assert second["models"] == first["models"]
    assert second["training"]["steps"] == first["training"]["steps"]
    assert not (out / "checkpoints").exists()  # removed once the run is complete
    assert "resumed contrastive fine-tuning at step" in (out / "train.log").read_text()


def test_force_is_recorded(small_banking: Path, tmp_path: Path) -> None:
    answers = tmp_path / "untried.toml"
    answers.write_text('task_type = "classification"\nprompt_engineering_tried = false\n')
    out = tmp_path / "forced"
    result = train(answers, small_banking, str(out), "--force")
    assert result.returncode == 0, result.stderr
    assert json.loads((out / "metrics.json").read_text())["forced"] is True
    assert "forced past the gate" in (out / "README.md").read_text()


def test_report_refuses_a_folder_that_is_not_a_run(tmp_path: Path) -> None:
    answers = tmp_path / "a.toml"
    answers.write_text('task_type = "qa"\n')
    (tmp_path / "notarun").mkdir()
    result = invoke(
        "report",
        "--answers",
        str(answers),
        "--run",
        str(tmp_path / "notarun"),
        "-o",
        str(tmp_path / "r.html"),
    )
    assert result.returncode == 2 and "metrics.json" in result.stderr
