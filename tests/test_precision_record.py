"""The precision sample and its judgements (bench/precision) stay in step: every
sampled finding is judged once, by a known rule, with a verdict and how it was
judged, and every wrong one says why."""

from __future__ import annotations

import json

from advisor.linter.rules import RULES
from tests.helpers import REPO

PRECISION = REPO / "bench" / "precision"


def rows(name: str) -> list[dict]:
    return [json.loads(line) for line in (PRECISION / name).read_text().splitlines()]


def test_every_sampled_finding_is_judged_once() -> None:
    sample = rows("sample.jsonl")
    judged = rows("judgements.jsonl")
    assert len(sample) >= 300
    assert [row["id"] for row in judged] == [row["id"] for row in sample]
    for finding, judgement in zip(sample, judged, strict=True):
        assert finding["code"] in RULES
        assert (judgement["code"], judgement["severity"]) == (
            finding["code"],
            finding["severity"],
        )
        assert judgement["verdict"] in ("correct", "wrong")
        assert judgement["how"] in ("checked", "read")
        if judgement["verdict"] == "wrong":
            assert judgement["note"], judgement["id"]
