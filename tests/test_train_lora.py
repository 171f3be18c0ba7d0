"""advisor train --backend lora: the label-mask audit, an end-to-end run on a real
subset with SmolLM2-135M, resume after Ctrl-C, and the refusals."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from advisor.datasets import open_dataset
from advisor.datasets.model import Example, Message
from advisor.train import chat_data
from tests.helpers import interrupt_when, report_run, train_cli

# Route support questions to one of four context labels: a task that qualifies.
QUALIFYING = (
    'task_type = "classification"\nlabelled_examples = 178\nexample_quality = "high"\n'
    "prompt_engineering_tried = true\nprompting_meets_quality_bar = false\n"
)
FAST = ["--backend", "lora", "--max-steps", "6", "--batch-size", "4", "--few-shot", "2"]
FAST += ["--max-eval", "6", "--save-every", "2", "-q"]


@pytest.fixture(scope="module")
def tokenizer():  # type: ignore[no-untyped-def]
    from advisor.train.base_model import bundled_gguf, load_base_model

    return load_base_model(bundled_gguf())[1]


@pytest.fixture(scope="module")
def routing(real_data: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The first 72 rows of a real prompt/completion routing set, and answers that qualify."""
    folder = tmp_path_factory.mktemp("routing")
    source = real_data / "azure-legacy-prompt-completion"
    rows = (source / "generated_labels_context_switching_prepared_train.jsonl").read_text()
    data = folder / "train.jsonl"
    data.write_text("".join(rows.splitlines(keepends=True)[:72]))
    answers = folder / "usecase.toml"
    answers.write_text(QUALIFYING)
    return data, answers


@pytest.fixture(scope="module")
def whole_run(routing: tuple[Path, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    data, answers = routing
    out = tmp_path_factory.mktemp("runs") / "whole"
    result = train_cli(answers, data, out, *FAST)
    assert result.returncode == 0, result.stderr
    return out


def chat(*turns: tuple[str, str], weight: dict[int, int] | None = None) -> Example:
    example = Example(line=7, format="openai-chat", kind="sft")
    example.messages = [Message(role, text) for role, text in turns]
    for index, value in (weight or {}).items():
        example.messages[index].weight = value
    return example


# --------------------------------------------------------------------------- the mask


def test_mask_trains_the_assistant_answer_and_its_end_token_only(tokenizer) -> None:  # type: ignore[no-untyped-def]
    item = chat_data.encode_example(
        tokenizer,
        chat(("system", "Be terse."), ("user", "Capital of France?"), ("assistant", "Paris")),
        512,
    )
    trained = tokenizer.decode(
        [t for t, label in zip(item.input_ids, item.labels, strict=True) if label != -100]
    )
    assert trained == "Paris<|im_end|>"
    shown = chat_data.show_mask(tokenizer, item)
    assert shown.endswith("⟦Paris<|im_end|>⟧\n") and shown.count("⟦") == 1


def test_every_assistant_turn_is_trained_unless_weighted_zero(tokenizer) -> None:  # type: ignore[no-untyped-def]
    turns = [("user", "one"), ("assistant", "uno"), ("user", "two"), ("assistant", "dos")]
    both = chat_data.encode_example(tokenizer, chat(*turns), 512)
    assert chat_data.show_mask(tokenizer, both).count("⟦") == 2
    second_only = chat_data.encode_example(tokenizer, chat(*turns, weight={1: 0}), 512)
    shown = chat_data.show_mask(tokenizer, second_only)
    assert shown.count("⟦") == 1 and "⟦dos<|im_end|>⟧" in shown


def test_audit_refuses_examples_with_nothing_to_learn(tokenizer) -> None:  # type: ignore[no-untyped-def]
    no_answer = chat(("user", "hello"))
    no_answer.line = 3
    silenced = chat(("user", "hi"), ("assistant", "hey"), weight={1: 0})
    silenced.line = 4
    long_prompt = chat(("user", "word " * 300), ("assistant", "short"))
    long_prompt.line = 5
    fine = chat(("user", "hi"), ("assistant", "hello"))
    _, audit = chat_data.encode_all(tokenizer, [no_answer, silenced, long_prompt, fine], 64)
    assert audit.refused == [
        (3, "no assistant turn"),
        (4, "every assistant turn has weight 0"),
        (5, "every assistant token lies beyond --max-length 64"),
    ]
    assert audit.truncated == 1 and audit.examples == 4
    with pytest.raises(Exception, match=r"3 example\(s\) have no trainable tokens.*line 3"):
        chat_data.refuse_untrainable(audit, "train.jsonl")


def test_prompt_completion_rows_train_on_the_completion(tokenizer, routing) -> None:  # type: ignore[no-untyped-def]
    example = next(iter(open_dataset(routing[0]).examples()))
    item = chat_data.encode_example(tokenizer, example, 512)
    assert chat_data.show_mask(tokenizer, item).endswith("⟦ 3<|im_end|>⟧\n")


# --------------------------------------------------------------------------- end to end


def test_end_to_end_lora_run(whole_run: Path, routing: tuple[Path, Path], tmp_path: Path) -> None:
    metrics = json.loads((whole_run / "metrics.json").read_text())
    assert metrics["forced"] is False and metrics["backend"] == "lora"
    assert set(metrics["models"]) == {"fine_tuned", "baseline_zero_shot", "baseline_few_shot"}
    assert metrics["task_metric"] == "exact_match"  # short repeated labels
    for model in metrics["models"].values():
        assert model["loss"] > 0 and model["perplexity"] > 1
        low, high = model["ci95"]["exact_match"]
        assert low <= model["exact_match"] <= high and 0 <= model["chrf"] <= 100
    tuned, zero = metrics["models"]["fine_tuned"], metrics["models"]["baseline_zero_shot"]
    assert tuned["loss"] < zero["loss"]  # six steps already lower the held-out loss
    gain_low = metrics["gain_over_best_baseline_ci95"][0]
    assert metrics["helped"] == (gain_low > 0)
    assert metrics["training"]["steps"] == 6
    assert metrics["training"]["label_mask"]["refused"] == []
    assert metrics["held_out_examples"] == 6
    adapter = whole_run / "model" / "adapter"
    assert (adapter / "adapter_config.json").is_file()
    assert (adapter / "adapter_model.safetensors").is_file()
    predictions = [json.loads(line) for line in (whole_run / "eval" / "predictions.jsonl").open()]
    assert len(predictions) == 6 and {"reference", "fine_tuned"} <= predictions[0].keys()
    assert "⟦" in (whole_run / "label_mask_sample.txt").read_text()
    card = (whole_run / "README.md").read_text()
    assert metrics["verdict"] in card and "baseline_few_shot" in card
    assert not (whole_run / "checkpoints").exists()
    # The report shows the run.
    data, answers = routing
    page = tmp_path / "report.html"
    shown = report_run(answers, whole_run, page, data)
    assert shown.returncode == 0, shown.stderr
    html = page.read_text()
    assert "baseline_few_shot" in html and "Exact match" in html and "Perplexity" in html


def test_interrupted_lora_run_resumes_exactly(
    whole_run: Path, routing: tuple[Path, Path], tmp_path: Path
) -> None:
    """Ctrl-C after a checkpoint, then --resume: the result equals the uninterrupted run's."""
    data, answers = routing
    out = tmp_path / "cut"
    args = ["train", "--answers", str(answers), "--dataset", str(data), "--out", str(out), *FAST]
    stopped = interrupt_when(args, lambda: (out / "checkpoints" / "step-2").is_dir())
    assert stopped.returncode == 130, stopped.stderr
    assert "--resume" in stopped.stderr and not (out / "metrics.json").exists()
    resumed = train_cli(answers, data, out, *FAST, "--resume")
    assert resumed.returncode == 0, resumed.stderr
    first = json.loads((whole_run / "metrics.json").read_text())
    second = json.loads((out / "metrics.json").read_text())
    assert second["models"] == first["models"]
    assert second["training"]["loss_curve"] == first["training"]["loss_curve"]
    log = (out / "train.log").read_text()
    assert "resumed from checkpoint step" in log and "reusing the evaluation" in log
    done = train_cli(answers, data, out, *FAST, "--resume")
    assert done.returncode == 0 and "already complete" in done.stderr


def test_resume_refuses_different_options(whole_run: Path, routing: tuple[Path, Path]) -> None:
    data, answers = routing
    fast = [a if a != "6" else "9" for a in FAST]  # another --max-steps
    result = train_cli(answers, data, whole_run, *fast, "--resume")
    assert result.returncode == 2 and "different settings" in result.stderr


def test_label_mask_refusal_through_the_cli(routing: tuple[Path, Path], tmp_path: Path) -> None:
    data, answers = routing
    out = tmp_path / "short"
    result = train_cli(answers, data, out, *FAST, "--max-length", "12")
    assert result.returncode == 2
    assert "have no trainable tokens" in result.stderr and "line 1:" in result.stderr
    assert "--max-length 12" in result.stderr
    assert json.loads((out / "label_mask.json").read_text())["train"]["refused"]
    assert not (out / "metrics.json").exists()


def test_missing_base_model_is_a_clear_error(routing: tuple[Path, Path], tmp_path: Path) -> None:
    data, answers = routing
    result = train_cli(answers, data, tmp_path / "x", *FAST, "--base-model", str(tmp_path / "none"))
    assert result.returncode == 2 and "never downloads" in result.stderr
    assert "Traceback" not in result.stderr


def test_runs_unchanged_on_two_processes(routing: tuple[Path, Path], tmp_path: Path) -> None:
    """Two CPU processes (DDP over gloo) started by torchrun, the launcher
    `accelerate launch --multi_gpu` uses on GPUs: one run folder, written once,
    trained by both processes. (On one machine `accelerate launch --cpu` starts a
    single process, so torchrun with ACCELERATE_USE_CPU=1 is the CPU stand-in.)"""
    import os
    import shutil
    import subprocess
    import sys

    launcher = Path(sys.executable).with_name("torchrun")
    data, answers = routing
    out = tmp_path / "ddp"
    args = [str(launcher if launcher.exists() else shutil.which("torchrun"))]
    args += [
        "--standalone",
        "--nproc_per_node",
        "2",
        "-m",
        "advisor",
        "train",
        "--answers",
        str(answers),
    ]
    args += ["--dataset", str(data), "--out", str(out), *FAST]
    env = {**os.environ, "ACCELERATE_USE_CPU": "1", "OMP_NUM_THREADS": "1"}
    result = subprocess.run(args, capture_output=True, text=True, timeout=600, env=env)
    assert result.returncode == 0, result.stderr
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["training"]["processes"] == 2 and metrics["training"]["steps"] == 6
    assert set(metrics["models"]) == {"fine_tuned", "baseline_zero_shot", "baseline_few_shot"}
    assert result.stdout.count("Verdict:") == 1  # only the main process reports
