"""MinHash signatures over token shingles, and LSH to find near-duplicate pairs.

Why not datasketch: it hashes every shingle in Python (SHA-1) and applies
``num_perm`` permutations per shingle, about 30 s for a 100,000-example file.
Here the shingles are n-grams of the tokenizer ids the linter already computed
for token counts, hashed and reduced with vectorised numpy over whole batches,
using one-permutation hashing with densification (Shrivastava and Li, 2014;
Shrivastava, 2017): one hash per shingle instead of one per shingle and
permutation. ``bench/dedup_quality.py`` compares its estimates with
datasketch's on the same pairs.

A signature has ``BINS`` 32-bit values; the fraction of equal values between
two signatures estimates the Jaccard similarity of their shingle sets.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import chain

import numpy as np

BINS = 64
SHINGLE = 3
_BIN_BITS = 6  # log2(BINS)
_EMPTY = np.uint64(0xFFFFFFFFFFFFFFFF)
_MIX_1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX_2 = np.uint64(0x94D049BB133111EB)
_SEEDS = np.array([0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9], dtype=np.uint64)


def _mix(values: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore"):
        return _mix_unchecked(values)


def _mix_unchecked(values: np.ndarray) -> np.ndarray:
    """splitmix64 finaliser: spreads every input bit over the whole word."""
    values = values ^ (values >> np.uint64(30))
    values = values * _MIX_1
    values = values ^ (values >> np.uint64(27))
    values = values * _MIX_2
    return values ^ (values >> np.uint64(31))


_SHIFT_SALT = _mix(np.arange(BINS, dtype=np.uint64) + np.uint64(0x51ED27))
_MULTIPLIERS = (
    (_mix(np.arange(BINS, dtype=np.uint64) + np.uint64(0xA5A5)) >> np.uint64(32)) | np.uint64(1)
).astype(np.uint32)
_OFFSETS = (_mix(np.arange(BINS, dtype=np.uint64) + np.uint64(0x5A5A)) >> np.uint64(32)).astype(
    np.uint32
)
# Stand-in token ids (beyond any vocabulary) that pad lists shorter than a shingle.
_PAD = [1 << 40, (1 << 40) + 1]


def signatures(token_lists: Sequence[Sequence[int]]) -> np.ndarray:
    """One MinHash signature per token list, as an ``(n, BINS)`` uint32 array.

    Lists with at least ``BINS`` shingles use one-permutation hashing with
    densification (one hash per shingle); shorter lists, whose few shingles
    would leave most bins empty, use classic MinHash with ``BINS`` hash
    functions, which is cheap for them and keeps the estimate unbiased with
    the usual variance. A row for an empty list is all 0xFFFFFFFF and never
    matches anything (see ``is_empty``). Everything is vectorised.
    """
    n = len(token_lists)
    result = np.full((n, BINS), 0xFFFFFFFF, dtype=np.uint32)
    if n == 0:
        return result
    # Pad lists shorter than one shingle so that each non-empty list has one.
    padded = [
        tokens
        if len(tokens) >= SHINGLE or not tokens
        else [*tokens, *_PAD[: SHINGLE - len(tokens)]]
        for tokens in token_lists
    ]
    lengths = np.fromiter((len(t) for t in padded), dtype=np.int64, count=n)
    total = int(lengths.sum())
    if total == 0:
        return result
    tokens = np.fromiter(chain.from_iterable(padded), dtype=np.uint64, count=total)
    owner = np.repeat(np.arange(n, dtype=np.int64), lengths)
    count = total - SHINGLE + 1
    combined = tokens[:count] * _SEEDS[0]
    for offset in range(1, SHINGLE):
        combined = combined ^ (tokens[offset : offset + count] * _SEEDS[offset])
    inside = owner[:count] == owner[SHINGLE - 1 :]
    hashes = _mix(combined[inside])
    rows = owner[:count][inside]
    shingles = np.maximum(lengths - SHINGLE + 1, 0)
    long_rows = shingles >= BINS
    short_rows = (shingles > 0) & ~long_rows
    if short_rows.any():
        mask = short_rows[rows]
        keys = (hashes[mask] >> np.uint64(32)).astype(np.uint32)
        counts = shingles[short_rows]
        result[short_rows] = _classic_minhash(keys, counts)
    if long_rows.any():
        mask = long_rows[rows]
        long_hashes = hashes[mask]
        row_ids = rows[mask].astype(np.uint64)
        bins = long_hashes >> np.uint64(64 - _BIN_BITS)
        values = long_hashes & np.uint64((1 << (64 - _BIN_BITS)) - 1)
        flat = np.full(n * BINS, _EMPTY, dtype=np.uint64)
        np.minimum.at(flat, row_ids * np.uint64(BINS) + bins, values)
        table = flat.reshape(n, BINS)
        _densify(table, long_rows)
        result[long_rows] = (_mix(table[long_rows]) >> np.uint64(32)).astype(np.uint32)
    return result


def _classic_minhash(keys: np.ndarray, counts: np.ndarray, chunk: int = 32768) -> np.ndarray:
    """BINS hash functions per shingle (multiply-shift, Dietzfelbinger et al.) and
    the minimum per row. Works through cache-sized chunks of whole rows with one
    reused buffer: allocating the full (shingles × BINS) matrix was 3x slower."""
    out = np.empty((len(counts), BINS), dtype=np.uint32)
    ends = np.cumsum(counts)
    starts = ends - counts
    buffer = np.empty((chunk, BINS), dtype=np.uint32)
    row = 0
    while row < len(counts):
        first = starts[row]
        last_row = int(np.searchsorted(ends, first + chunk, "right"))
        last_row = max(last_row, row + 1)
        stop = ends[last_row - 1]
        size = int(stop - first)
        work = buffer[:size] if size <= chunk else np.empty((size, BINS), dtype=np.uint32)
        with np.errstate(over="ignore"):
            np.multiply(keys[first:stop, None], _MULTIPLIERS[None, :], out=work)
            np.add(work, _OFFSETS[None, :], out=work)
        out[row:last_row] = np.minimum.reduceat(work, starts[row:last_row] - first, axis=0)
        row = last_row
    return out


def _densify(table: np.ndarray, filled: np.ndarray) -> None:
    """Fill each empty bin from the nearest non-empty bin to its right (circularly),
    mixing in the distance, so that short texts still get comparable signatures.

    Loops over distances rather than bins: gaps are short, so this ends after a
    few vectorised passes."""
    empty = table == _EMPTY
    needs = empty.any(axis=1) & filled
    if not needs.any():
        return
    sub = table[needs]
    sub_empty = empty[needs]
    result = sub.copy()
    remaining = sub_empty.copy()
    shift = 1
    while shift < BINS and remaining.any():
        source = np.roll(sub, -shift, axis=1)
        take = remaining & ~np.roll(sub_empty, -shift, axis=1)
        result[take] = _mix(source[take] ^ _SHIFT_SALT[shift])
        remaining &= ~take
        shift += 1
    table[needs] = result


def is_empty(signature: np.ndarray) -> bool:
    return bool((signature == 0xFFFFFFFF).all())


def similarity(a: np.ndarray, b: np.ndarray) -> float:
    """Estimated Jaccard similarity: the share of equal bins."""
    return float(np.count_nonzero(a == b)) / BINS


def band_keys(signatures_: np.ndarray, bands: int) -> np.ndarray:
    """``(n, bands)`` keys: rows whose signatures agree on a whole band share a key."""
    rows = BINS // bands
    grouped = signatures_.reshape(len(signatures_), bands, rows).astype(np.uint64)
    keys = np.zeros((len(signatures_), bands), dtype=np.uint64)
    for column in range(rows):
        keys = _mix(keys ^ grouped[:, :, column])
    return keys


def candidate_pairs(
    keys: np.ndarray, valid: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Index pairs (earlier, later) that share at least one band key, deduplicated.

    Vectorised per band: rows are sorted by key and every run of equal keys
    yields its pairs; a run longer than ``_MAX_BUCKET`` (hundreds of rows with
    one near-identical input) is linked as a star to its first row, which is
    the pair leader clustering needs, instead of n² pairs.
    """
    rows = np.flatnonzero(np.ones(len(keys), dtype=bool) if valid is None else valid)
    firsts: list[np.ndarray] = []
    seconds: list[np.ndarray] = []
    for band in range(keys.shape[1]):
        column = keys[rows, band]
        order = np.argsort(column, kind="stable")
        members = rows[order]
        sorted_keys = column[order]
        starts = np.flatnonzero(np.concatenate(([True], sorted_keys[1:] != sorted_keys[:-1])))
        sizes = np.diff(np.append(starts, len(sorted_keys)))
        for size in np.unique(sizes[sizes > 1]).tolist():
            run_starts = starts[sizes == size]
            if size > _MAX_BUCKET:
                for start in run_starts.tolist():
                    run = np.sort(members[start : start + size])
                    firsts.append(np.full(size - 1, run[0]))
                    seconds.append(run[1:])
                continue
            runs = members[run_starts[:, None] + np.arange(size)[None, :]]
            upper_i, upper_j = np.triu_indices(size, k=1)
            firsts.append(runs[:, upper_i].ravel())
            seconds.append(runs[:, upper_j].ravel())
    if not firsts:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty
    a = np.concatenate(firsts).astype(np.int64)
    b = np.concatenate(seconds).astype(np.int64)
    earlier, later = np.minimum(a, b), np.maximum(a, b)
    span = int(later.max()) + 1
    codes = sorted_unique(later * span + earlier)
    return codes % span, codes // span


def sorted_unique(values: np.ndarray) -> np.ndarray:
    """np.unique by sorting (numpy's hash-based unique is several times slower on
    tens of millions of int64)."""
    if not len(values):
        return values
    values = np.sort(values)
    return values[np.concatenate(([True], values[1:] != values[:-1]))]


def cross_pairs(
    left_keys: np.ndarray, right_keys: np.ndarray, right_valid: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Pairs (i in left, j in right) that share at least one band key."""
    usable = np.flatnonzero(
        np.ones(len(right_keys), dtype=bool) if right_valid is None else right_valid
    )
    lefts: list[np.ndarray] = []
    rights: list[np.ndarray] = []
    for band in range(left_keys.shape[1]):
        order = np.argsort(left_keys[:, band], kind="stable")
        sorted_keys = left_keys[order, band]
        wanted = right_keys[usable, band]
        low = np.searchsorted(sorted_keys, wanted, "left")
        high = np.searchsorted(sorted_keys, wanted, "right")
        counts = high - low
        hit = counts > 0
        if not hit.any():
            continue
        counts, low, right_rows = counts[hit], low[hit], usable[hit]
        repeat_rows = np.repeat(right_rows, counts)
        offsets = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
        lefts.append(order[np.repeat(low, counts) + offsets])
        rights.append(repeat_rows)
    if not lefts:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty
    left = np.concatenate(lefts).astype(np.int64)
    right = np.concatenate(rights).astype(np.int64)
    span = int(right.max()) + 1
    codes = sorted_unique(left * span + right)
    return codes // span, codes % span


_MAX_BUCKET = 64
