"""How often is the advice acceptable at each confidence level? (the scenario set)

Runs `recommend` on every scenario in tests/scenarios (each with the strategies its
cited source accepts) and prints, per confidence level, how many cases got it and
how many of those were acceptable, separately for scenarios written from provider
guidance and for published case studies (`kind = "case-study"`).

    python bench/advice_calibration.py
"""

from __future__ import annotations

import tomllib
from collections import defaultdict
from pathlib import Path

from advisor.advice.engine import load_rules, recommend
from advisor.advice.usecase import parse_answers

SCENARIOS = Path(__file__).resolve().parent.parent / "tests" / "scenarios"


def main() -> None:
    rules = load_rules()
    table: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    misses = []
    for path in sorted(SCENARIOS.glob("*.toml")):
        scenario = tomllib.loads(path.read_text(encoding="utf-8"))
        kind = scenario.get("kind", "guidance")
        result = recommend(parse_answers(scenario["usecase"], str(path)).usecase, rules)
        ok = result.primary in scenario["acceptable"]
        cell = table[(kind, result.confidence)]
        cell[0] += 1
        cell[1] += ok
        if not ok:
            misses.append(f"{path.stem}: {result.primary} ({result.confidence})")
    print("kind       confidence  cases  acceptable")
    for (kind, level), (n, ok) in sorted(table.items()):
        print(f"{kind:<10} {level:<11} {n:>5}  {ok:>5} ({ok / n:.0%})")
    for miss in misses:
        print("miss:", miss)


if __name__ == "__main__":
    main()
