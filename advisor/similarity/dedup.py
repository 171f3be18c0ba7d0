"""Near and semantic duplicates: candidate pairs, duplicate vs conflict, clusters.

Two examples are compared on their input side (user turns, instruction and
input, the text column) and their output side (the reply; the label for
classification). Both sides similar: a duplicate. Inputs similar but outputs
not: a conflict ("same prompt, different answer"). Duplicates are grouped into
clusters whose keeper is the first occurrence, so ``--fix`` keeps exactly one.

Similarity is the estimated Jaccard of token shingles for near duplicates
(``minhash``) and the cosine of sentence embeddings for semantic ones. Pairs
are found without an n×n matrix: LSH buckets for MinHash, blocked exact search
for embeddings.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from advisor.similarity import minhash
from advisor.similarity.lexical_guard import agree


@dataclass(slots=True)
class Pair:
    """``later`` resembles ``earlier`` (indexes into the compared items)."""

    earlier: int
    later: int
    input_similarity: float
    output_similarity: float

    @property
    def similarity(self) -> float:
        return min(self.input_similarity, self.output_similarity)


@dataclass
class Sides:
    """How similar the inputs, and the outputs, of many pairs are (vectorised).

    ``labels`` holds an integer class per example for classification data
    (outputs then match when the labels are equal), or None.
    """

    input_similarities: Callable[[np.ndarray, np.ndarray], np.ndarray]
    output_similarities: Callable[[np.ndarray, np.ndarray], np.ndarray]
    labels: np.ndarray | None

    def input_similarity(self, i: int, j: int) -> float:
        return float(self.input_similarities(np.array([i]), np.array([j]))[0])

    def output_similarity(self, i: int, j: int) -> float:
        return float(self.outputs(np.array([i]), np.array([j]))[0])

    def outputs(self, left: np.ndarray, right: np.ndarray) -> np.ndarray:
        if self.labels is not None:
            return (self.labels[left] == self.labels[right]).astype(np.float32)
        return self.output_similarities(left, right)


def label_ids(labels: list[str | None]) -> np.ndarray | None:
    """Integer ids for labels (None when no example has one)."""
    if not any(label is not None for label in labels):
        return None
    ids: dict[str | None, int] = {}
    return np.array([ids.setdefault(label, len(ids)) for label in labels], dtype=np.int64)


def as_pair_arrays(pairs: Iterable[tuple[int, int]]) -> tuple[np.ndarray, np.ndarray]:
    """(earlier, later) index arrays from (i, j) pairs, deduplicated."""
    flat = np.array(list(pairs), dtype=np.int64).reshape(-1, 2)
    return _unique_ordered(flat[:, 0], flat[:, 1])


def _unique_ordered(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    earlier, later = np.minimum(a, b), np.maximum(a, b)
    keep = earlier != later
    earlier, later = earlier[keep], later[keep]
    if not len(earlier):
        return earlier, later
    span = int(later.max()) + 1
    codes = later * span + earlier
    if len(codes) > 1 and not (codes[1:] > codes[:-1]).all():
        # LSH candidates come sorted and unique already: one linear check, not a sort
        # (0.1 s for the million candidates of bench/lint_speed.py's file).
        codes = minhash.sorted_unique(codes)
    return codes % span, codes // span


def split_pairs(
    candidates: tuple[np.ndarray, np.ndarray] | Iterable[tuple[int, int]],
    sides: Sides,
    threshold: float,
    chunk: int = 200_000,
) -> tuple[list[Pair], list[Pair]]:
    """Verify candidate pairs; return (duplicates, conflicts), sorted by the later
    member. Conflicts keep only each later member's earliest partner."""
    if isinstance(candidates, tuple):
        earlier_all, later_all = _unique_ordered(*candidates)
    else:
        earlier_all, later_all = as_pair_arrays(candidates)
    duplicate_parts: list[tuple[np.ndarray, ...]] = []
    conflict_parts: list[tuple[np.ndarray, ...]] = []
    for start in range(0, len(earlier_all), chunk):
        earlier = earlier_all[start : start + chunk]
        later = later_all[start : start + chunk]
        inputs = sides.input_similarities(earlier, later)
        close = inputs >= threshold
        earlier, later, inputs = earlier[close], later[close], inputs[close]
        outputs = sides.outputs(earlier, later)
        same = outputs >= threshold
        duplicate_parts.append((earlier[same], later[same], inputs[same], outputs[same]))
        conflict_parts.append((earlier[~same], later[~same], inputs[~same], outputs[~same]))
    duplicates = _to_pairs(duplicate_parts, first_only=False)
    conflicts = _to_pairs(conflict_parts, first_only=True)
    return duplicates, conflicts


def _to_pairs(parts: list[tuple[np.ndarray, ...]], *, first_only: bool) -> list[Pair]:
    if not parts:
        return []
    earlier, later, inputs, outputs = (
        np.concatenate(column) for column in zip(*parts, strict=True)
    )
    order = np.lexsort((earlier, later))
    earlier, later, inputs, outputs = earlier[order], later[order], inputs[order], outputs[order]
    if first_only and len(later):
        first = np.concatenate(([True], later[1:] != later[:-1]))
        earlier, later, inputs, outputs = (
            earlier[first],
            later[first],
            inputs[first],
            outputs[first],
        )
    return [
        Pair(int(first), int(second), float(i), float(o))
        for first, second, i, o in zip(
            earlier.tolist(), later.tolist(), inputs.tolist(), outputs.tolist(), strict=True
        )
    ]


def clusters(pairs: Iterable[Pair]) -> dict[int, int]:
    """Leader clustering in file order: maps each duplicate to its keeper.

    An example joins the cluster of the earliest earlier example it matches
    directly and that is itself a keeper, so every member is within the
    threshold of its keeper (no chains of drifting paraphrases). An example
    whose only matches are members of other clusters stays a keeper: ``--fix``
    keeps more rather than drop something nothing kept resembles.
    """
    partners: dict[int, list[int]] = {}
    for pair in pairs:
        partners.setdefault(pair.later, []).append(pair.earlier)
    keeper_of: dict[int, int] = {}
    for member in sorted(partners):
        for earlier in sorted(partners[member]):
            if earlier not in keeper_of:
                keeper_of[member] = earlier
                break
    return keeper_of


def first_per_member(pairs: Iterable[Pair]) -> Iterator[Pair]:
    """One pair per later member (its earliest partner)."""
    seen: set[int] = set()
    for pair in pairs:
        if pair.later not in seen:
            seen.add(pair.later)
            yield pair


# --------------------------------------------------------------------------- MinHash


def minhash_sides(
    inputs: np.ndarray,
    outputs: np.ndarray,
    labels: list[str | None],
    guards: np.ndarray | None = None,
) -> Sides:
    """MinHash similarity of each side; where the input ``guards`` (``lexical_guard``
    fingerprints) say a content word was substituted, the input similarity is 0.
    Outputs are not guarded: two answers to the same question that differ in a word
    ("summary" / "information") are the near copies D004 is for."""
    empty_output = (outputs == 0xFFFFFFFF).all(axis=1)

    def input_similarities(left: np.ndarray, right: np.ndarray) -> np.ndarray:
        if guards is None:
            return (inputs[left] == inputs[right]).mean(axis=1, dtype=np.float32)
        # The guard first: it reads 32 bytes a row, the signatures 256, and it vetoes
        # most candidates of templated data (75% of bench/lint_speed.py's million).
        similar = np.zeros(len(left), dtype=np.float32)
        kept = np.flatnonzero(agree(guards[left], guards[right]))
        left, right = left[kept], right[kept]
        similar[kept] = (inputs[left] == inputs[right]).mean(axis=1, dtype=np.float32)
        return similar

    def output_similarities(left: np.ndarray, right: np.ndarray) -> np.ndarray:
        similar = (outputs[left] == outputs[right]).mean(axis=1, dtype=np.float32)
        # Nothing to compare (raw text): the inputs decide.
        return np.where(empty_output[left] & empty_output[right], 1.0, similar)

    return Sides(input_similarities, output_similarities, label_ids(labels))


def near_candidates(inputs: np.ndarray, bands: int) -> tuple[np.ndarray, np.ndarray]:
    valid = ~(inputs == 0xFFFFFFFF).all(axis=1)
    return minhash.candidate_pairs(minhash.band_keys(inputs, bands), valid)


def near_leaks(
    train: tuple[np.ndarray, np.ndarray | None],
    evaluation: tuple[np.ndarray, np.ndarray | None],
    bands: int,
    threshold: float,
) -> list[tuple[int, int, float]]:
    """(eval index, train index, similarity) for eval inputs near a training input;
    the most similar training example for each eval example. Each side is
    (input signatures, input guards or None); differing guards veto a pair."""
    train_inputs, train_guards = train
    eval_inputs, eval_guards = evaluation
    if not len(train_inputs) or not len(eval_inputs):
        return []
    valid = ~(eval_inputs == 0xFFFFFFFF).all(axis=1)
    train_rows, eval_rows = minhash.cross_pairs(
        minhash.band_keys(train_inputs, bands), minhash.band_keys(eval_inputs, bands), valid
    )
    similarity = (train_inputs[train_rows] == eval_inputs[eval_rows]).mean(axis=1)
    if train_guards is not None and eval_guards is not None:
        similarity = similarity * agree(train_guards[train_rows], eval_guards[eval_rows])
    keep = similarity >= threshold
    train_rows, eval_rows, similarity = train_rows[keep], eval_rows[keep], similarity[keep]
    if not len(eval_rows):
        return []
    # The most similar training example per eval example (the earliest on ties).
    order = np.lexsort((train_rows, -similarity, eval_rows))
    train_rows, eval_rows, similarity = train_rows[order], eval_rows[order], similarity[order]
    first = np.concatenate(([True], eval_rows[1:] != eval_rows[:-1]))
    return [
        (int(j), int(i), float(s))
        for j, i, s in zip(
            eval_rows[first].tolist(),
            train_rows[first].tolist(),
            similarity[first].tolist(),
            strict=True,
        )
    ]


# --------------------------------------------------------------------------- embeddings


def embedding_sides(
    inputs: np.ndarray, outputs: np.ndarray | None, labels: list[str | None]
) -> Sides:
    def input_similarities(left: np.ndarray, right: np.ndarray) -> np.ndarray:
        return np.einsum("ij,ij->i", inputs[left], inputs[right])

    def output_similarities(left: np.ndarray, right: np.ndarray) -> np.ndarray:
        if outputs is None:
            return np.ones(len(left), dtype=np.float32)
        return np.einsum("ij,ij->i", outputs[left], outputs[right])

    return Sides(input_similarities, output_similarities, label_ids(labels))


# Past this many searched rows an approximate index (usearch's HNSW) replaces the
# exact search: the exact search grows with n² (8.5 s for 50,000 static vectors on
# 2 cores, so about an hour for a million), the index with n log n (the
# measurements are in ARCHITECTURE.md, "Semantic duplicates past one machine").
ANN_MIN_ROWS = 100_000
# Neighbours asked of the index per row. A row whose duplicates number more than
# this keeps only its closest ones as pairs; clusters still join through them
# (50,000 texts at cosine 0.85: 99.7% of the rows in an exact pair are found).
ANN_NEIGHBOURS = 32


def similar_pairs(
    vectors: np.ndarray,
    threshold: float,
    other: np.ndarray | None = None,
    budget: int = 16_000_000,
    *,
    approximate: bool | None = None,
) -> Iterator[tuple[int, int, float]]:
    """Pairs with cosine ≥ threshold: every one by exact blocked search with pruning,
    or, past ``ANN_MIN_ROWS`` searched rows (``approximate=None``) or on request,
    each row's closest ones by an approximate index (see ``approximate_pairs``).

    ``vectors`` (and ``other``) must be L2-normalised. Without ``other``: pairs
    (i < j) within ``vectors``. With ``other``: pairs (i in vectors, j in other).

    Exact, yet far from n²: for unit vectors, cos ≥ t implies ‖a − b‖ ≤
    √(2 − 2t), and the projections of a and b on any unit direction differ by
    at most that. Sorting by the projection on the first principal component
    therefore bounds, for each block of rows, the contiguous range of columns
    that can hold a match. Only one block of at most ``budget`` scores exists at
    a time (never the n×n matrix), and the products run on torch's BLAS when it
    is installed (faster than numpy's on the machines measured).
    """
    right = vectors if other is None else other
    if not len(vectors) or not len(right):
        return
    if approximate is None:
        approximate = len(right) >= ANN_MIN_ROWS and _usearch_index() is not None
    if approximate:
        yield from approximate_pairs(vectors, threshold, other)
        return
    radius = float(np.sqrt(max(0.0, 2.0 - 2.0 * threshold))) + 1e-6
    direction = _principal_direction(right)
    right_projection = right @ direction
    right_order = np.argsort(right_projection, kind="stable")
    right_sorted_projection = right_projection[right_order]
    right_sorted = np.ascontiguousarray(right[right_order])
    if other is None:
        left_order, left_sorted, left_projection = (
            right_order,
            right_sorted,
            right_sorted_projection,
        )
    else:
        left_projection_raw = vectors @ direction
        left_order = np.argsort(left_projection_raw, kind="stable")
        left_sorted = np.ascontiguousarray(vectors[left_order])
        left_projection = left_projection_raw[left_order]
    matmul = _matmul()
    rows_per_block = max(16, budget // len(right))
    start = 0
    while start < len(left_sorted):
        stop = min(start + rows_per_block, len(left_sorted))
        low_value = left_projection[start] - radius
        high_value = left_projection[stop - 1] + radius
        column_low = (
            start
            if other is None
            else int(np.searchsorted(right_sorted_projection, low_value, "left"))
        )
        column_high = int(np.searchsorted(right_sorted_projection, high_value, "right"))
        if column_high > column_low:
            scores = matmul(left_sorted[start:stop], right_sorted[column_low:column_high])
            if other is None:
                size = stop - start
                scores[:, :size][np.tril_indices(size)] = -1.0  # keep later columns only
            hit_rows, hit_cols = np.nonzero(scores >= threshold)
            for r, c in zip(hit_rows.tolist(), hit_cols.tolist(), strict=True):
                i = int(left_order[start + r])
                j = int(right_order[column_low + c])
                if other is None and i > j:
                    i, j = j, i
                yield i, j, float(scores[r, c])
        start = stop


def approximate_pairs(
    vectors: np.ndarray,
    threshold: float,
    other: np.ndarray | None = None,
    neighbours: int = ANN_NEIGHBOURS,
) -> Iterator[tuple[int, int, float]]:
    """Pairs with cosine ≥ threshold among each row's ``neighbours`` nearest, from an
    HNSW index (usearch, both cores). Approximate twice over: the index can miss a
    neighbour, and a row with more close partners than ``neighbours`` reports only
    the closest; the similarities themselves are recomputed exactly."""
    index_class = _usearch_index()
    if index_class is None:
        raise RuntimeError("the approximate search needs usearch (pip install usearch)")
    right = np.ascontiguousarray(vectors if other is None else other, dtype=np.float32)
    left = right if other is None else np.ascontiguousarray(vectors, dtype=np.float32)
    index = index_class(ndim=right.shape[1], metric="cos", dtype="f32")
    index.add(np.arange(len(right), dtype=np.uint64), right, copy=False)
    count = min(len(right), neighbours + (1 if other is None else 0))
    found_rows: list[np.ndarray] = []
    found_columns: list[np.ndarray] = []
    for start in range(0, len(left), 65_536):
        stop = min(start + 65_536, len(left))
        found = index.search(left[start:stop], count=count)
        columns = np.asarray(found.keys, dtype=np.int64).reshape(stop - start, -1)
        rows = np.repeat(np.arange(start, stop), columns.shape[1])
        columns = columns.reshape(-1)
        # The index's own distances pick the candidates (a margin for its rounding);
        # the exact cosine below decides.
        similarity = 1.0 - np.asarray(found.distances, dtype=np.float32).reshape(-1)
        valid = (columns >= 0) & (columns < len(right)) & (similarity >= threshold - 1e-3)
        if other is None:
            valid &= columns != rows
        found_rows.append(rows[valid])
        found_columns.append(columns[valid])
    rows, columns = np.concatenate(found_rows), np.concatenate(found_columns)
    if other is None:  # a pair found from both of its ends is reported once, i < j
        rows, columns = _unique_ordered(rows, columns)
    for start in range(0, len(rows), 262_144):  # exact scores, a bounded block at a time
        part_rows, part_columns = rows[start : start + 262_144], columns[start : start + 262_144]
        scores = np.einsum("ij,ij->i", left[part_rows], right[part_columns])
        close = scores >= threshold
        yield from zip(
            part_rows[close].tolist(),
            part_columns[close].tolist(),
            scores[close].tolist(),
            strict=True,
        )


def _usearch_index() -> Any:
    """usearch's ``Index`` class, or None when usearch is not installed."""
    try:
        from usearch.index import Index
    except ImportError:
        return None
    return Index


def _principal_direction(vectors: np.ndarray, sample: int = 4096) -> np.ndarray:
    """The first principal component (unit vector) of a sample of the rows."""
    rows = vectors if len(vectors) <= sample else vectors[:: max(1, len(vectors) // sample)]
    centred = rows - rows.mean(axis=0)
    try:
        _, _, vt = np.linalg.svd(centred, full_matrices=False)
        direction = vt[0]
    except np.linalg.LinAlgError:
        direction = np.zeros(vectors.shape[1], dtype=np.float32)
        direction[0] = 1.0
    norm = float(np.linalg.norm(direction)) or 1.0
    return (direction / norm).astype(np.float32)


def _matmul() -> Callable[[np.ndarray, np.ndarray], np.ndarray]:
    """a @ b.T, on torch when available."""
    try:
        import torch
    except ImportError:
        return lambda a, b: a @ b.T

    def multiply(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        with torch.no_grad():
            return (torch.from_numpy(a) @ torch.from_numpy(b).T).numpy()

    return multiply


def semantic_leaks(
    train_inputs: np.ndarray, eval_inputs: np.ndarray, threshold: float
) -> list[tuple[int, int, float]]:
    """(eval index, train index, similarity): each eval input's closest training
    input when it is at least ``threshold`` similar."""
    best: dict[int, tuple[float, int]] = {}
    for j, i, similarity in similar_pairs(eval_inputs, threshold, other=train_inputs):
        if j not in best or similarity > best[j][0]:
            best[j] = (similarity, i)
    return sorted((j, i, s) for j, (s, i) in best.items())
