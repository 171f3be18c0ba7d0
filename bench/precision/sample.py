"""Draw the stratified precision sample from ``collect.py``'s findings.

Strata are (rule, severity): every finding of a small stratum is kept; large ones
give a seeded random draw (``PER_RULE``), so each rule's precision is measured on
its own and the big duplicate rules do not drown the rest.

    python bench/precision/sample.py      # /tmp/advisor-findings.jsonl -> sample.jsonl
"""

from __future__ import annotations

import json
import random
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).parent
PER_RULE = {"D004": 70, "D002": 50, "D003": 50, "D001": 40, "Q001": 30}
DEFAULT = 30
SEED = 2026  # a fresh draw: rules were refined on an earlier look (seed 14) at these files


def main(source: Path = Path("/tmp/advisor-findings.jsonl")) -> None:
    by_rule: dict[str, list[dict]] = defaultdict(list)
    for line in source.read_text(encoding="utf-8").splitlines():
        finding = json.loads(line)
        by_rule[f"{finding['code']}/{finding['severity']}"].append(finding)
    sample = []
    for stratum in sorted(by_rule):
        findings = by_rule[stratum]
        code, severity = stratum.split("/")
        wanted = PER_RULE.get(code, DEFAULT)
        rng = random.Random(f"{SEED}/{stratum}")  # each stratum's draw on its own
        chosen = findings if len(findings) <= wanted else rng.sample(findings, wanted)
        for k, finding in enumerate(chosen):
            ident = f"{code}-{severity[0]}{k + 1:02d}"
            sample.append({"id": ident, "population": len(findings), **finding})
    out = HERE / "sample.jsonl"
    out.write_text(
        "".join(json.dumps(s, ensure_ascii=False) + "\n" for s in sample), encoding="utf-8"
    )
    print(f"{len(sample)} findings from {sum(map(len, by_rule.values()))} -> {out}")


if __name__ == "__main__":
    main()
