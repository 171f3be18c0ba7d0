"""The near-duplicate guard's fingerprint: its fast path gives what the plain
definition gives, on real texts and on tokens that straddle a window's edge."""

from __future__ import annotations

import csv
import random
from pathlib import Path

import pytest

from advisor.similarity import lexical_guard
from advisor.similarity.lexical_guard import TAIL_WORDS, WIDE_WORDS

REAL = Path(__file__).parent / "data" / "real"


def fingerprint_by_definition(text: str) -> tuple[int, int, int, int]:
    """The fingerprint as its docstring defines it, written as lists: the content
    words of the last WIDE_WORDS words, last first (a token's k-th content word
    counts while the words after it number under WIDE_WORDS), form the wide set;
    the first TAIL_WORDS of them the tail set."""
    tokens = text[-lexical_guard._WIDE_CHARACTERS :].split()
    if len(text) > lexical_guard._WIDE_CHARACTERS:
        tokens = tokens[1:]
    analysed = [lexical_guard._bits(token)[:2] for token in reversed(tokens)]
    words_after = [sum(words for _, words in analysed[:i]) for i in range(len(analysed))]
    included = [
        bit
        for (bits, _), after in zip(analysed, words_after, strict=True)
        if after < WIDE_WORDS
        for k, bit in enumerate(bits)
        if after + k < WIDE_WORDS
    ]
    tail = sum(set(included[:TAIL_WORDS]))
    wide = sum(set(included))
    low = (1 << 64) - 1
    return tail & low, tail >> 64, wide & low, wide >> 64


def real_texts() -> list[str]:
    with (REAL / "banking77" / "train.csv").open(encoding="utf-8") as handle:
        banking = [row["text"] for row in csv.DictReader(handle)]
    sms = [
        line.split("\t", 1)[1]
        for line in (REAL / "sms-spam" / "SMSSpamCollection.tsv").read_text("utf-8").splitlines()
    ]
    assert len(banking) > 1000 and len(sms) > 1000, "vendored real data is missing"
    return banking + sms


def straddling_texts() -> list[str]:
    """Tokens of several words (hyphens, slashes, digits) placed so that some cross
    the tail's or the wide window's edge."""
    rng = random.Random(11)
    vocabulary = ["card", "refund", "the", "of", "pin", "3", "4", "2024", "laptop", "top-up"]
    texts = []
    for _ in range(400):
        tokens = []
        for _ in range(rng.randrange(1, 60)):
            parts = [rng.choice(vocabulary) for _ in range(rng.randrange(1, 9))]
            tokens.append(rng.choice(["-", "/", "_", "."]).join(parts))
        texts.append(" ".join(tokens))
    return texts


@pytest.mark.parametrize("source", ["real", "straddling"])
def test_fast_fingerprint_equals_the_definition(source: str) -> None:
    texts = real_texts() if source == "real" else straddling_texts()
    different = [t for t in texts if lexical_guard.fingerprint(t) != fingerprint_by_definition(t)]
    assert different == []
    # The cases exist: some texts fill the tail, some fill the wide window.
    assert any(fingerprint_by_definition(t)[2:] != fingerprint_by_definition(t)[:2] for t in texts)
