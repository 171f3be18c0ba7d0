"""Worker processes give exactly the same findings and facts as one process."""

from __future__ import annotations

from pathlib import Path

import pytest

from advisor.linter import parallel
from advisor.linter.fixes import write_fixed
from advisor.linter.runner import run_lint
from advisor.linter.settings import LintOptions


@pytest.mark.parametrize(
    "relative",
    ["mlx-examples/wwdc25__train.jsonl", "llamafactory-demo/v1_sft_demo.jsonl"],
)
def test_parallel_matches_sequential(
    real_data: Path, relative: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    source = tmp_path / "data.jsonl"
    # A BOM, a blank line and a broken line exercise line numbering across ranges.
    text = (real_data / relative).read_text()
    lines = text.splitlines()
    lines.insert(7, "")
    lines.insert(40, "{broken")
    source.write_text("\ufeff" + "\n".join(lines) + "\n")
    sequential = run_lint([source], LintOptions(workers=1))
    monkeypatch.setattr(parallel, "PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr(parallel, "_RANGES_PER_WORKER", 7)
    from advisor.datasets import open_dataset

    assert parallel._can_parallelise(open_dataset(source), 2)
    forked = run_lint([source], LintOptions(workers=2))
    assert forked.report().model_dump() == sequential.report().model_dump()
    assert any(f.code == "F001" and f.line == 41 for f in forked.findings)
    write_fixed(sequential.results[0], tmp_path / "a.jsonl")
    write_fixed(forked.results[0], tmp_path / "b.jsonl")
    assert (tmp_path / "a.jsonl").read_bytes() == (tmp_path / "b.jsonl").read_bytes()
