"""The vendored real data is what PROVENANCE.tsv says it is: every file listed, every
listed file present and unchanged, and no file without a source."""

from __future__ import annotations

import csv
import hashlib
from pathlib import Path

DATA_NOTES = {"SOURCES.md", "PROVENANCE.tsv", "vendor.py"}


def provenance(real_data: Path) -> dict[str, dict[str, str]]:
    with (real_data / "PROVENANCE.tsv").open(encoding="utf-8", newline="") as handle:
        return {row["file"]: row for row in csv.DictReader(handle, delimiter="\t")}


def test_every_vendored_file_matches_its_recorded_hash(real_data: Path) -> None:
    rows = provenance(real_data)
    assert len(rows) >= 20
    for relative, row in rows.items():
        digest = hashlib.sha256((real_data / relative).read_bytes()).hexdigest()
        assert digest == row["sha256"], f"{relative} differs from PROVENANCE.tsv"
        assert row["repo"] and row["cut"], relative


def test_no_vendored_file_lacks_a_source(real_data: Path) -> None:
    present = {
        path.relative_to(real_data).as_posix()
        for path in real_data.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    }
    assert present - DATA_NOTES == set(provenance(real_data))


def test_every_folder_carries_its_licence(real_data: Path) -> None:
    sources = (real_data / "SOURCES.md").read_text(encoding="utf-8")
    for folder in {Path(relative).parts[0] for relative in provenance(real_data)}:
        assert f"| {folder} |" in sources, folder
