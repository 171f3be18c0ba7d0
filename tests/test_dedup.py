"""Near and semantic duplicate machinery: MinHash accuracy, exact neighbour search, clusters."""

from __future__ import annotations

import random

import numpy as np
import pytest

from advisor.similarity import dedup, minhash


def true_jaccard(a: list[int], b: list[int]) -> float:
    def shingles(tokens: list[int]) -> set[tuple[int, ...]]:
        if len(tokens) < minhash.SHINGLE:
            return {tuple(tokens)}
        return {tuple(tokens[i : i + minhash.SHINGLE]) for i in range(len(tokens) - 2)}

    sa, sb = shingles(a), shingles(b)
    return len(sa & sb) / len(sa | sb)


@pytest.mark.parametrize("sizes", [(1, 2, 5, 10, 30), (80, 200, 500)])
def test_minhash_estimates_jaccard_without_bias(sizes: tuple[int, ...]) -> None:
    rng = random.Random(7)
    pairs = []
    for _ in range(800):
        n = rng.choice(sizes)
        a = [rng.randrange(5000) for _ in range(n)]
        b = list(a)
        for _ in range(rng.randrange(0, n // 2 + 1)):
            b[rng.randrange(n)] = rng.randrange(5000)
        pairs.append((a, b))
    left = minhash.signatures([a for a, _ in pairs])
    right = minhash.signatures([b for _, b in pairs])
    errors = np.array(
        [
            minhash.similarity(x, y) - true_jaccard(a, b)
            for x, y, (a, b) in zip(left, right, pairs, strict=True)
        ]
    )
    assert abs(errors.mean()) < 0.01
    assert np.abs(errors).mean() < 0.05


def test_minhash_edge_cases() -> None:
    sigs = minhash.signatures([[], [5], [5], [6], [1, 2, 3, 4]])
    assert minhash.is_empty(sigs[0])
    assert minhash.similarity(sigs[1], sigs[2]) == 1.0
    assert minhash.similarity(sigs[1], sigs[3]) == 0.0
    assert not minhash.is_empty(sigs[4])


def test_lsh_finds_planted_pairs() -> None:
    rng = random.Random(3)
    base = [[rng.randrange(50000) for _ in range(60)] for _ in range(300)]
    near = [list(tokens) for tokens in base[:50]]
    for tokens in near:
        tokens[rng.randrange(60)] = rng.randrange(50000)
    sigs = minhash.signatures(base + near)
    earlier, later = minhash.candidate_pairs(minhash.band_keys(sigs, 16))
    pairs = set(zip(earlier.tolist(), later.tolist(), strict=True))
    planted = {(i, 300 + i) for i in range(50)}
    assert planted <= pairs
    assert len(pairs) < 200  # no flood of random candidates


def test_lsh_links_a_large_bucket_as_a_star_and_small_ones_in_full() -> None:
    """A band key shared by more than _MAX_BUCKET rows links each to the bucket's first
    row (n - 1 pairs, not n²/2); smaller buckets give every pair."""
    rng = np.random.default_rng(5)
    keys = rng.integers(0, 2**62, size=(400, 2), dtype=np.uint64)
    big = [int(i) for i in rng.choice(np.arange(10, 400), size=100, replace=False)]
    small = [3, 7, 200]
    keys[big, 0] = 11  # one large bucket in band 0 (rows in shuffled order)
    keys[small, 1] = 12  # one small bucket in band 1
    earlier, later = minhash.candidate_pairs(keys)
    pairs = set(zip(earlier.tolist(), later.tolist(), strict=True))
    leader = min(big)
    star = {(leader, row) for row in big if row != leader}
    full = {(a, b) for a in small for b in small if a < b}
    assert pairs == star | full
    assert (earlier < later).all() and len(pairs) == len(earlier)
    valid = np.ones(400, dtype=bool)
    valid[leader] = False  # a row left out is in no pair; the next one leads
    earlier, later = minhash.candidate_pairs(keys, valid)
    second = min(row for row in big if row != leader)
    assert set(zip(earlier.tolist(), later.tolist(), strict=True)) >= {
        (second, row) for row in big if row not in (leader, second)
    }
    assert leader not in set(earlier.tolist()) | set(later.tolist())


@pytest.mark.parametrize("threshold", [0.8, 0.95])
def test_similar_pairs_is_exact(threshold: float) -> None:
    rng = np.random.default_rng(0)
    vectors = rng.standard_normal((700, 32)).astype(np.float32)
    vectors[350:400] = vectors[:50] + 0.05 * rng.standard_normal((50, 32)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    scores = vectors @ vectors.T
    expected = {(i, j) for i, j in zip(*np.nonzero(scores >= threshold), strict=True) if i < j}
    found = {(i, j) for i, j, _ in dedup.similar_pairs(vectors, threshold, budget=4000)}
    assert found == expected and len(found) >= 50
    other = vectors[340:420]
    cross = {
        (i, j) for i, j, _ in dedup.similar_pairs(vectors[:100], threshold, other=other, budget=500)
    }
    cross_expected = {
        (i, j) for i, j in zip(*np.nonzero(vectors[:100] @ other.T >= threshold), strict=True)
    }
    assert cross == cross_expected


def test_approximate_search_finds_the_planted_pairs_once_each() -> None:
    """The HNSW path (used past ANN_MIN_ROWS) on planted pairs and a cluster larger
    than its neighbour count: each pair once with i < j and its exact score, nothing
    under the threshold, nothing the exact search would not report, and (it is
    approximate, and its multi-threaded build is not deterministic) nearly every
    planted pair, cluster member and cross pair."""
    rng = np.random.default_rng(1)
    vectors = rng.standard_normal((3000, 48)).astype(np.float32)
    vectors[2000:2200] = vectors[:200] + 0.05 * rng.standard_normal((200, 48)).astype(np.float32)
    vectors[2500:2540] = vectors[2499] + 0.02 * rng.standard_normal((40, 48)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    found = list(dedup.similar_pairs(vectors, 0.95, approximate=True))
    pairs = {(i, j) for i, j, _ in found}
    assert len(pairs) == len(found) and all(i < j for i, j in pairs)
    assert all(abs(s - float(vectors[i] @ vectors[j])) < 1e-5 for i, j, s in found)
    assert all(s >= 0.95 for _, _, s in found)
    exact = {(i, j) for i, j, _ in dedup.similar_pairs(vectors, 0.95, approximate=False)}
    assert pairs <= exact
    planted = {(i, 2000 + i) for i in range(200)}
    assert len(planted & pairs) >= 190
    cluster = {k for pair in pairs for k in pair if k >= 2499}
    assert len(cluster) >= 39  # of 41 members, with 32 neighbours asked per row
    assert sum(1 for i, j in pairs if i >= 2499) < 41 * 40 // 2  # not every pair: the limit
    cross = {
        (i, j)
        for i, j, _ in dedup.similar_pairs(
            vectors[2000:2100], 0.95, other=vectors[:1000], approximate=True
        )
    }
    assert cross <= {(i, i) for i in range(100)} and len(cross) >= 95


def test_the_approximate_search_takes_over_past_its_size(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    real = dedup.approximate_pairs

    def spy(vectors: np.ndarray, *args: object, **kwargs: object) -> object:
        calls.append(len(vectors))
        return real(vectors, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(dedup, "approximate_pairs", spy)
    monkeypatch.setattr(dedup, "ANN_MIN_ROWS", 500)
    vectors = np.eye(600, 32, dtype=np.float32)[np.arange(600) % 32]
    list(dedup.similar_pairs(vectors[:400], 0.9))
    assert calls == []
    list(dedup.similar_pairs(vectors, 0.9))
    assert calls == [600]


def test_leader_clusters_keep_every_member_close_to_its_keeper() -> None:
    pairs = [dedup.Pair(0, 1, 0.95, 1), dedup.Pair(1, 2, 0.95, 1), dedup.Pair(0, 3, 0.9, 1)]
    # 2 only matches 1, which is itself a member: 2 stays a keeper.
    assert dedup.clusters(pairs) == {1: 0, 3: 0}


def test_split_pairs_separates_duplicates_from_conflicts() -> None:
    inputs = np.eye(3, dtype=np.float32)
    inputs[1] = inputs[0]
    inputs[2] = inputs[0]
    sides = dedup.embedding_sides(inputs, None, ["a", "a", "b"])
    duplicates, conflicts = dedup.split_pairs([(0, 1), (0, 2), (1, 2)], sides, 0.9)
    assert [(p.earlier, p.later) for p in duplicates] == [(0, 1)]
    # Conflicts keep each later example's earliest partner only.
    assert [(p.earlier, p.later) for p in conflicts] == [(0, 2)]


def test_cross_pairs_match_brute_force() -> None:
    rng = np.random.default_rng(1)
    left = rng.integers(0, 5, size=(40, 4)).astype(np.uint64)
    right = rng.integers(0, 5, size=(30, 4)).astype(np.uint64)
    found = set(zip(*(a.tolist() for a in minhash.cross_pairs(left, right)), strict=True))
    expected = {(i, j) for i in range(40) for j in range(30) if (left[i] == right[j]).any()}
    assert found == expected


@pytest.mark.parametrize(
    "given",
    [
        [(0, 1), (0, 2), (1, 2), (3, 4)],  # already sorted and unique (LSH's output)
        [(4, 3), (1, 2), (2, 0), (0, 1), (1, 2), (2, 2), (3, 4)],  # any order, repeats
    ],
)
def test_candidate_pairs_are_ordered_and_unique_whatever_their_input(
    given: list[tuple[int, int]],
) -> None:
    """Pairs come out once, earlier member first, sorted by the later one, without
    self-pairs: sorted when they are not, and left as they are when they already are."""
    earlier, later = dedup.as_pair_arrays(given)
    assert list(zip(earlier.tolist(), later.tolist(), strict=True)) == [
        (0, 1),
        (0, 2),
        (1, 2),
        (3, 4),
    ]
