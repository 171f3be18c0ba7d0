"""The training runner's small parts: text metrics (checked against sacreBLEU),
checkpoints that are written whole or not at all, the progress bar."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import sacrebleu
from hypothesis import given, settings
from hypothesis import strategies as st

from advisor.measure import textmetrics
from advisor.progress import ProgressBar
from advisor.train.checkpoint import latest_checkpoint, remove_checkpoints, save_checkpoint

TEXT = st.text(alphabet="ab cdé\n.,Zx", max_size=40)


@settings(max_examples=300, deadline=None)
@given(TEXT, TEXT)
def test_chrf_matches_sacrebleu(hypothesis: str, reference: str) -> None:
    expected = sacrebleu.sentence_chrf(hypothesis, [reference]).score
    assert textmetrics.chrf(hypothesis, reference) == pytest.approx(expected, abs=1e-9)


def test_exact_match_ignores_surrounding_whitespace_only() -> None:
    assert textmetrics.exact_match("3", " 3\n") == 1.0
    assert textmetrics.exact_match("3.", "3") == 0.0
    assert textmetrics.exact_match("Yes", "yes") == 0.0


def test_task_metric_is_exact_match_for_short_repeated_labels() -> None:
    assert textmetrics.choose_task_metric([" 1", " 2", " 1", " 3", " 2", " 1"]) == "exact_match"
    prose = [f"A different answer number {i} that goes on." for i in range(6)]
    assert textmetrics.choose_task_metric(prose) == "chrf"


def test_paired_gain_interval_sees_a_real_difference() -> None:
    better, worse = [1.0] * 40, [1.0] * 10 + [0.0] * 30
    low, high = textmetrics.paired_gain_interval(better, worse)
    assert 0 < low <= 0.75 <= high
    assert textmetrics.paired_gain_interval(worse, worse) == [0.0, 0.0]
    mean, (low, high) = textmetrics.mean_interval(worse)
    assert mean == 0.25 and low < 0.25 < high


def test_checkpoint_is_atomic_and_only_the_newest_is_kept(tmp_path: Path) -> None:
    def tensors(folder: Path) -> None:
        (folder / "weights.bin").write_bytes(b"x" * 10)

    save_checkpoint(tmp_path, 2, {"losses": [1.0]}, tensors)
    save_checkpoint(tmp_path, 4, {"losses": [1.0, 0.5]}, tensors)
    folder, state = latest_checkpoint(tmp_path)  # type: ignore[misc]
    assert folder.name == "step-4" and state == {"losses": [1.0, 0.5], "step": 4}
    assert [p.name for p in (tmp_path / "checkpoints").iterdir()] == ["step-4"]

    def crash(folder: Path) -> None:
        (folder / "weights.bin").write_bytes(b"half")
        raise KeyboardInterrupt  # killed mid-save

    with pytest.raises(KeyboardInterrupt):
        save_checkpoint(tmp_path, 6, {"losses": []}, crash)
    folder, state = latest_checkpoint(tmp_path)  # type: ignore[misc]
    assert state["step"] == 4 and [p.name for p in (tmp_path / "checkpoints").iterdir()] == [
        "step-4"
    ]
    (folder / "state.json").write_text("{torn")  # a damaged state is skipped, not trusted
    assert latest_checkpoint(tmp_path) is None
    remove_checkpoints(tmp_path)
    assert not (tmp_path / "checkpoints").exists()


def test_progress_bar_shows_count_rate_and_eta() -> None:
    stream = io.StringIO()
    bar = ProgressBar("training", 4, "steps", stream=stream, start=1)
    bar.update(2, note="loss 1.234")
    bar.update(4)
    bar.close()
    text = stream.getvalue()
    assert "training [" in text and "4/4 steps" in text and "loss 1.234" in text
    assert "ETA" in text and text.endswith("s\n")
    quiet = io.StringIO()
    silent = ProgressBar("x", 3, enabled=False, stream=quiet)
    silent.update(3)
    silent.close()
    assert quiet.getvalue() == ""


def test_base_model_is_a_local_folder_or_gguf_file(tmp_path: Path) -> None:
    from advisor.errors import UsageError
    from advisor.train.base_model import bundled_gguf, resolve_base_model

    bundled = bundled_gguf()
    assert bundled.suffix == ".gguf" and resolve_base_model(None) == bundled
    assert resolve_base_model(str(bundled)) == bundled
    folder = tmp_path / "model"
    folder.mkdir()
    with pytest.raises(UsageError, match="never downloads"):
        resolve_base_model(str(folder))  # no config.json
    (folder / "config.json").write_text("{}")
    assert resolve_base_model(str(folder)) == folder
    with pytest.raises(UsageError, match="never downloads"):
        resolve_base_model("HuggingFaceTB/SmolLM2-135M-Instruct")  # a hub id is not fetched


def test_wilson_interval_is_honest_at_the_extremes() -> None:
    # Known values (Wilson score, z = 1.96): 18/18 -> [0.8241, 1], 0/18 -> [0, 0.1759].
    assert textmetrics.wilson_interval(18, 18) == [0.8241, 1.0]
    assert textmetrics.wilson_interval(0, 18) == [0.0, 0.1759]
    low, high = textmetrics.wilson_interval(50, 100)
    assert abs(low - 0.4038) < 1e-3 and abs(high - 0.5962) < 1e-3
    assert "too few" in textmetrics.too_small_note(18) and textmetrics.too_small_note(2000) == ""


def test_gate_gives_the_leak_fix_command() -> None:
    from types import SimpleNamespace

    from advisor.train.runner import gate

    recommendation = SimpleNamespace(primary="fine_tune", trace=[], measured=[])
    advice = SimpleNamespace(
        recommendation=recommendation,
        rules=[],
        dataset=Path("data/train set.jsonl"),
        eval_path=Path("data/valid.jsonl"),
    )
    [errors, leaks] = gate(advice, ["D003"])
    assert "D003" in errors
    assert (
        "`advisor lint 'data/train set.jsonl' --eval data/valid.jsonl "
        "--fix-eval data/valid.noleaks.jsonl`" in leaks
    )


def test_cached_model_config_loses_an_empty_quantization_mark(tmp_path: Path) -> None:
    # transformers 5.3 reads "quantization_config": null as pre-quantised and fails.
    import json

    from advisor.train.base_model import _drop_empty_quantization

    config = tmp_path / "config.json"
    config.write_text(json.dumps({"model_type": "llama", "quantization_config": None}))
    _drop_empty_quantization(config)
    assert json.loads(config.read_text()) == {"model_type": "llama"}
    real = {"model_type": "llama", "quantization_config": {"quant_method": "bnb"}}
    config.write_text(json.dumps(real))
    _drop_empty_quantization(config)
    assert json.loads(config.read_text()) == real
