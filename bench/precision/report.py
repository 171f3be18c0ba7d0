"""Precision per rule and severity from the judged sample (``sample.jsonl`` +
``judgements.jsonl``), as the Markdown table the README shows.

    python bench/precision/report.py

Per (rule, severity): judged findings, correct, precision with its 95% Wilson
interval, and how many findings of that kind the real files produced. Per
severity: precision weighted by those populations (the sample is stratified, so
an unweighted mean would let small rules speak for large ones).
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

from advisor.measure.textmetrics import wilson_interval

HERE = Path(__file__).parent


def load(name: str) -> list[dict]:
    return [json.loads(line) for line in (HERE / name).read_text(encoding="utf-8").splitlines()]


def main() -> None:
    sample = {row["id"]: row for row in load("sample.jsonl")}
    judged = {row["id"]: row for row in load("judgements.jsonl")}
    missing = sorted(set(sample) - set(judged))
    extra = sorted(set(judged) - set(sample))
    if missing or extra:
        raise SystemExit(f"judgements out of step: missing {missing[:5]}, extra {extra[:5]}")
    strata: dict[tuple[str, str], dict] = defaultdict(lambda: {"n": 0, "ok": 0, "population": 0})
    for ident, row in sample.items():
        stratum = strata[(row["code"], row["severity"])]
        stratum["n"] += 1
        stratum["ok"] += judged[ident]["verdict"] == "correct"
        stratum["population"] = row["population"]
    print(
        "| rule | severity | judged | correct | precision (95% CI) | findings on the real files |"
    )
    print("|---|---|---|---|---|---|")
    for (code, severity), s in sorted(strata.items()):
        low, high = wilson_interval(s["ok"], s["n"])
        print(
            f"| {code} | {severity} | {s['n']} | {s['ok']} | {s['ok'] / s['n']:.1%} "
            f"({low:.0%}–{high:.0%}) | {s['population']:,} |"
        )
    print()
    print("| severity | judged | precision, weighted by findings | goal |")
    print("|---|---|---|---|")
    goals = {"error": "≥ 98%", "warning": "≥ 90%", "info": "—"}
    for severity in ("error", "warning", "info"):
        rows = [s for (_, sev), s in strata.items() if sev == severity]
        population = sum(s["population"] for s in rows)
        weighted = sum(s["population"] * s["ok"] / s["n"] for s in rows) / population
        judged_here = sum(s["n"] for s in rows)
        print(f"| {severity} | {judged_here} | {weighted:.1%} | {goals[severity]} |")
    print(
        f"\n{len(sample)} findings judged, {sum(s['population'] for s in strata.values()):,} "
        "in the population."
    )


if __name__ == "__main__":
    main()
