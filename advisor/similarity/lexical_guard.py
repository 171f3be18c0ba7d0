"""A cheap veto on near-duplicate pairs that differ in what they say, not how.

MinHash on token 3-shingles measures how much wording two texts share. On short
texts that is a poor proxy for meaning: one changed word at the end of a
six-word message ("Cool, text me when you're ready" vs "… parked", sms-spam)
keeps the Jaccard similarity above 0.7, and so does a product name that differs
by a number ("Surface Laptop 3" vs "Surface Laptop 4"). Both are different
examples a user would not drop.

The guard compares the content words (lower-cased, function words, interjections
and request verbs such as "find" or "tell" removed; numbers of up to six digits
count as content) of the last ``TAIL_WORDS`` words of each text: a pair is vetoed
when *each* text has a content word the other lacks there, a substitution
("ready" vs "parked", "3" vs "4", "stopped" vs "refunded"). Adding or dropping
words is not vetoed ("Where do I order a virtual card?" vs "… from?", "What
graphics card…" vs "What type of graphics card…"): that is what a near duplicate
is. The end of a text is where rows that share a long preamble differ: a
toolformer instruction is a long tool description then the question ("the
derivative of x^3 + 2x^2 - 5x + 7" vs "… + 4x^2 - 6x + 4"), a WikiSQL row a long
table schema then the question and its SQL. Longer numbers (phone numbers, ids)
do not count: sms-spam's spam templates that differ only in the number to call
are still near copies.

A word only counts as substituted when the other text's last ``WIDE_WORDS``
words lack it too, so that text appended to one row (a signature, "150ppm")
does not turn the words it pushed out of the tail into a veto. Each set is kept
as 128 bits (two uint64 words, one bit per word by CRC-32, stable across the
lint's worker processes). A substituted word that lands
on a bit the other text already has slips through (about 5% for 6 content
words), which errs toward reporting, as before the guard.
"""

from __future__ import annotations

import re
from functools import lru_cache
from zlib import crc32

import numpy as np

TAIL_WORDS = 12
WIDE_WORDS = 36
_WIDE_CHARACTERS = WIDE_WORDS * 2 * 8
_LOW = (1 << 64) - 1
_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?|\d+(?:[.,]\d+)*", re.UNICODE)
# English function words: adding or dropping one does not change what a short
# question asks. Contractions are listed whole ("don't" is one word here). Question
# words are content: "Where was the game played?" and "When was the game played?"
# ask different things (wwdc25 valid vs train), and an evaluation leak is an error.
FUNCTION_WORDS = frozenset(
    """
    a an the and or but if then so than as of at by for from in into on onto to up
    down out off over under with about again also just very too only still yet
    i me my mine myself we us our ours you your yours yourself he him his she her
    hers it its itself they them their theirs this that these those there here
    whether
    am is are was were be been being do does did doing done have has had having
    can could may might must shall should will would 'll 're 've 'd 's
    i'm i've i'd i'll you're you've we're they're it's that's there's what's
    don't doesn't didn't can't cannot won't wouldn't isn't aren't wasn't weren't
    not no please hi hello hey thanks thank some any all
    ok okay oh mm hmm yes yeah yep well
    find calculate compute get give show tell provide fetch retrieve
    """.split()  # noqa: SIM905 - a word list reads better as text
)


def fingerprint(text: str) -> tuple[int, int, int, int]:
    """The content words of the last ``TAIL_WORDS`` words of ``text`` and of the last
    ``WIDE_WORDS``, each a set in two 64-bit masks: (tail low, tail high, wide low,
    wide high). Words are whitespace-separated tokens; what a token holds (letters,
    digits, punctuation) is worked out once per distinct token (``_bits``).

    Most tokens hold no content word or fit whole in both windows, and take one
    OR of their cached union; only a token that straddles a window's edge goes
    bit by bit (the result is the same: tests/test_lexical_guard.py)."""
    tokens = text[-_WIDE_CHARACTERS:].split()
    if len(text) > _WIDE_CHARACTERS:
        tokens = tokens[1:]  # the first may be cut
    tail = wide = 0
    content = seen = 0  # content words, and all words, from the end
    for token in reversed(tokens):
        bits, words, union = _bits(token)
        if bits:
            room = WIDE_WORDS - seen
            if len(bits) <= room and content + len(bits) <= TAIL_WORDS:
                tail |= union
                wide |= union
                content += len(bits)
            elif len(bits) <= room and content >= TAIL_WORDS:
                wide |= union
                content += len(bits)
            else:
                for bit in bits[: max(0, room)]:
                    wide |= bit
                    if content < TAIL_WORDS:
                        tail |= bit
                    content += 1
        seen += words
        if seen >= WIDE_WORDS:
            break
    return tail & _LOW, tail >> 64, wide & _LOW, wide >> 64


@lru_cache(maxsize=1 << 17)
def _bits(token: str) -> tuple[tuple[int, ...], int, int]:
    """The bit of each content word of a token, last word first (none for function
    words and long numbers), how many words it holds, and the union of the bits.
    Cached: the same tokens come back row after row."""
    words = _WORD.findall(token.lower().replace("\u2019", "'"))
    bits = tuple(
        1 << (crc32(_stem(word).encode()) & 127)
        for word in reversed(words)
        if word not in FUNCTION_WORDS and not (word[0].isdigit() and len(word) > 6)
    )
    union = 0
    for bit in bits:
        union |= bit
    return bits, len(words), union


def _stem(word: str) -> str:
    """A crude English stem, so that inflections are not substitutions
    ("broadcast" / "broadcasted", "card" / "cards")."""
    for suffix in ("ing", "ed", "es", "s"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


def agree(left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Row-wise over ``(n, 4)`` uint64 fingerprints: may these pairs be near
    duplicates? False only where each text's tail has a content word that the
    other's wider end lacks (the wider end absorbs words that moved: text appended
    to one row shifts its tail)."""
    left_only = (left[:, :2] & ~right[:, 2:]).any(axis=1)
    right_only = (right[:, :2] & ~left[:, 2:]).any(axis=1)
    return ~(left_only & right_only)


def as_array(fingerprints: list[tuple[int, int, int, int]]) -> np.ndarray:
    return np.array(fingerprints, dtype=np.uint64).reshape(-1, 4)
