"""Regenerate this example from Banking77 (PolyAI, CC BY 4.0) in ../shared/data.

Twelve card-related intents, 20 training and 6 validation examples each, taken
in file order. A few defects are then added on purpose so the demo shows what
the linter catches (each is listed in README.md beside this file):

* three training rows repeated (exact duplicates, one differing only in spacing);
* two validation rows copied from training (train/eval leakage);
* one training row carrying an e-mail address, one a phone number;
* one row whose label is a different intent than the same text elsewhere.

    python examples/banking-intents/make_example.py
"""

from __future__ import annotations

import csv
import io
import os
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = (
    Path(os.environ.get("ADVISOR_SHARED_DATA", HERE.parents[2] / "shared" / "data")) / "banking77"
)
INTENTS = [
    "activate_my_card",
    "card_arrival",
    "card_delivery_estimate",
    "card_not_working",
    "card_swallowed",
    "change_pin",
    "compromised_card",
    "contactless_not_working",
    "lost_or_stolen_card",
    "pin_blocked",
    "declined_card_payment",
    "card_payment_fee_charged",
]


def take(path: Path, per_intent: int) -> list[tuple[str, str]]:
    chosen: dict[str, list[str]] = defaultdict(list)
    with path.open(newline="", encoding="utf-8") as handle:
        for text, label in csv.reader(handle):
            text = " ".join(text.split())
            if label in INTENTS and len(chosen[label]) < per_intent:
                chosen[label].append(text)
    return [(text, label) for label in INTENTS for text in chosen[label]]


def write(path: Path, rows: list[tuple[str, str]]) -> None:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["text", "label"])
    writer.writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")


def main() -> None:
    train = take(DATA / "train.csv", 20)
    valid = take(DATA / "test.csv", 6)
    train.insert(30, train[3])
    train.insert(95, (train[70][0].replace(" ", "  ", 1), train[70][1]))
    train.insert(180, train[150])
    train.insert(
        60, ("I never got my new card, can you email me at sam.taylor@gmail.com?", "card_arrival")
    )
    train.insert(
        120, ("My card got eaten by the ATM, call me back on +44 20 7946 0018", "card_swallowed")
    )
    train.append((train[5][0], "card_delivery_estimate"))
    valid.insert(10, train[40])
    valid.insert(40, train[200])
    write(HERE / "train.csv", train)
    write(HERE / "valid.csv", valid)


if __name__ == "__main__":
    main()
