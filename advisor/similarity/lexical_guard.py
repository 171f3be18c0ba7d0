"""A cheap veto on near-duplicate pairs that differ in what they say, not how.

MinHash on token 3-shingles measures how much wording two texts share. On short
texts that is a poor proxy for meaning: one changed word at the end of a
six-word message ("Cool, text me when you're ready" vs "… parked", sms-spam)
keeps the Jaccard similarity above 0.7, and so does a product name that differs
by a number ("Surface Laptop 3" vs "Surface Laptop 4"). Both are different
examples a user would not drop.

The guard compares the content words (lower-cased, function words and
interjections removed; numbers count as content) of short texts, at most
``SHORT_WORDS`` words: a pair is vetoed when *each* text has a content word the
other lacks, a substitution ("ready" vs "parked", "3" vs "4", "stopped" vs
"refunded"). Adding or dropping words is not vetoed ("Where do I order a
virtual card?" vs "… from?", "What graphics card…" vs "What type of graphics
card…"): that is what a near duplicate is. Longer texts are never vetoed: there
a changed word or number is what near duplicates are (sms-spam's spam
templates differ only in the phone number).

Each text's content words are kept as a 128-bit set (two uint64 words, one bit
per word by CRC-32, stable across the lint's worker processes); a long text is
all ones, which no pair can veto. A substituted word that lands on a bit the
other text already has slips through (about 5% for 6 content words), which errs
toward reporting, as before the guard.
"""

from __future__ import annotations

import re
from zlib import crc32

import numpy as np

SHORT_WORDS = 12
_LOW = (1 << 64) - 1
# The fingerprint of every long text: a superset of everything, never vetoed.
LONG = (_LOW, _LOW)
_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?|\d+(?:[.,]\d+)*", re.UNICODE)
# English function words: adding or dropping one does not change what a short
# question asks. Contractions are listed whole ("don't" is one word here).
FUNCTION_WORDS = frozenset(
    """
    a an the and or but if then so than as of at by for from in into on onto to up
    down out off over under with about again also just very too only still yet
    i me my mine myself we us our ours you your yours yourself he him his she her
    hers it its itself they them their theirs this that these those there here
    what which who whom whose when where why how whether
    am is are was were be been being do does did doing done have has had having
    can could may might must shall should will would 'll 're 've 'd 's
    i'm i've i'd i'll you're you've we're they're it's that's there's what's
    don't doesn't didn't can't cannot won't wouldn't isn't aren't wasn't weren't
    not no please hi hello hey thanks thank some any all
    ok okay oh mm hmm yes yeah yep well
    """.split()  # noqa: SIM905 - a word list reads better as text
)


def fingerprint(text: str) -> tuple[int, int]:
    """The content-word set of ``text`` as two 64-bit masks (all ones when long)."""
    if len(text) > SHORT_WORDS * 16:  # cheap test first: most texts are long
        return LONG
    words = _WORD.findall(text.lower().replace("\u2019", "'"))
    if len(words) > SHORT_WORDS:
        return LONG
    mask = 0
    for word in words:
        if word not in FUNCTION_WORDS:
            mask |= 1 << (crc32(word.encode()) & 127)
    return mask & _LOW, mask >> 64


def agree(left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Row-wise over ``(n, 2)`` uint64 masks: may these pairs be near duplicates?
    False only where each text has a content word the other lacks."""
    left_only = (left & ~right).any(axis=1)
    right_only = (right & ~left).any(axis=1)
    return ~(left_only & right_only)


def as_array(fingerprints: list[tuple[int, int]]) -> np.ndarray:
    return np.array(fingerprints, dtype=np.uint64).reshape(-1, 2)
