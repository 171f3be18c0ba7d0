"""Near (D004) and semantic (D005) duplicates, near/semantic conflicts and leaks.

Runs after the file pass over the examples that survived exact deduplication.
The file pass keeps, per example, its MinHash signatures (near) and its input
and output text (semantic, only with ``--semantic``); this module turns them
into findings, clusters with a keeper, and fix-plan drops.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from advisor.linter.catalogue import Thresholds
from advisor.linter.rules.base import Sink
from advisor.linter.rules.duplicates import D002, D003, D004, D005
from advisor.rulebook import Rule
from advisor.similarity import dedup, lexical_guard, minhash

Guard = tuple[int, int, int, int]

_ADVERB = {"near": "nearly", "semantic": "semantically"}


@dataclass
class Compared:
    """The examples (first occurrences only) kept for near/semantic comparison."""

    lines: list[int] = field(default_factory=list)
    ordinals: list[int] = field(default_factory=list)
    labels: list[str | None] = field(default_factory=list)
    input_keys: list[int] = field(default_factory=list)
    fixable: list[bool] = field(default_factory=list)
    input_signatures: list[bytes] = field(default_factory=list)
    output_signatures: list[bytes] = field(default_factory=list)
    input_guards: list[Guard] = field(default_factory=list)
    input_texts: list[str] = field(default_factory=list)
    output_texts: list[str] = field(default_factory=list)

    def add(
        self,
        line: int,
        ordinal: int,
        label: str | None,
        input_key: int,
        self_instruct: bool,
        near: tuple[bytes, bytes, Guard] | None,
        texts: tuple[str, str] | None,
    ) -> None:
        self.lines.append(line)
        self.ordinals.append(ordinal)
        self.labels.append(label)
        self.input_keys.append(input_key)
        self.fixable.append(not self_instruct)
        if near is not None:
            self.input_signatures.append(near[0])
            self.output_signatures.append(near[1])
            self.input_guards.append(near[2])
        if texts is not None:
            self.input_texts.append(texts[0])
            self.output_texts.append(texts[1])

    def signature_matrix(self, which: list[bytes]) -> np.ndarray:
        if not which:
            return np.zeros((0, minhash.BINS), dtype=np.uint32)
        return np.frombuffer(b"".join(which), dtype=np.uint32).reshape(-1, minhash.BINS)


@dataclass
class SimilarIndex:
    """What an eval file is compared against: the training file's inputs."""

    lines: list[int]
    input_signatures: np.ndarray | None
    input_guards: np.ndarray | None = None
    labels: list[str | None] | None = None
    input_texts: list[str] | None = None
    input_embeddings: np.ndarray | None = None
    static_inputs: np.ndarray | None = None


@dataclass
class SimilarResult:
    near: int | None = None
    semantic: int | None = None
    leaked: int = 0
    conflicting: int = 0


@dataclass
class SimilarSettings:
    """What the near and semantic passes need from the run's options."""

    thresholds: Thresholds
    near: bool
    semantic: bool
    tier: str = "full"
    quiet: bool = False
    kind: str | None = None


@dataclass
class Reference:
    """The training file an evaluation file is checked against for leaks."""

    file: str
    index: SimilarIndex | None


class Embedders:
    """The embedding models of one lint run, loaded on first use and shared by its files."""

    def __init__(self, model: str | None = None) -> None:
        self.model = model
        self._full: Any = None
        self._static: Any = None

    def full(self) -> Any:
        if self._full is None:
            from advisor.similarity.embeddings import load_embedder

            self._full = load_embedder(self.model)
        return self._full

    def static(self) -> Any:
        if self._static is None:
            from advisor.similarity.static_embeddings import load_static

            self._static = load_static(self.full())
        return self._static


def find_similar(
    sink: Sink,
    compared: Compared,
    leaked_lines: set[int],
    settings: SimilarSettings,
    embedders: Embedders,
    reference: Reference | None = None,
) -> tuple[SimilarResult, SimilarIndex]:
    """Add D004/D005/D002/D003 findings for near and semantic matches; also returns
    the index an evaluation file is later compared against."""
    thresholds = settings.thresholds
    result = SimilarResult()
    flagged: set[int] = set()  # compared indexes already reported as a duplicate or conflict
    against = reference.index if reference is not None else None
    input_signatures = compared.signature_matrix(compared.input_signatures)
    input_guards = lexical_guard.as_array(compared.input_guards)
    if settings.near and len(compared.input_signatures):
        outputs = compared.signature_matrix(compared.output_signatures)
        sides = dedup.minhash_sides(input_signatures, outputs, compared.labels, input_guards)
        candidates = dedup.near_candidates(input_signatures, thresholds.near_bands)
        duplicates, conflicts = dedup.split_pairs(candidates, sides, thresholds.near_jaccard)
        result.near = _report_duplicates(sink, compared, duplicates, sides, D004, "near", flagged)
        result.conflicting += _report_conflicts(
            sink, compared, conflicts, "near", flagged, settings.kind
        )
        if reference is not None and against is not None and against.input_signatures is not None:
            leaks = dedup.near_leaks(
                (against.input_signatures, against.input_guards),
                (input_signatures, input_guards),
                thresholds.near_bands,
                thresholds.near_jaccard,
            )
            result.leaked += _report_leaks(sink, compared, leaks, reference, "near", leaked_lines)
    embeddings = None
    static_inputs = None
    fast = settings.tier == "fast"
    if settings.semantic:
        threshold = thresholds.semantic_cosine
        embedder = embedders.full()
        if fast:
            static_inputs = embedders.static().encode(compared.input_texts)
            candidates = [
                (i, j)
                for i, j, _ in dedup.similar_pairs(static_inputs, thresholds.semantic_fast_cosine)
                if i not in flagged and j not in flagged
            ]
            involved = sorted({k for pair in candidates for k in pair})
        else:
            involved = list(range(len(compared.lines)))
        inputs, outputs_ = _embed_rows(embedder, compared, involved, not settings.quiet)
        sides = dedup.embedding_sides(inputs, outputs_, compared.labels)
        review = min(thresholds.semantic_review_cosine, threshold)
        if not fast:
            candidates = [
                (i, j)
                for i, j, _ in dedup.similar_pairs(inputs, review)
                if i not in flagged and j not in flagged
            ]
        # Severity by confidence: both sides at the strict threshold is a duplicate to
        # drop (warning, fixed); the band below it is a paraphrase to review (info).
        matches, near_conflicts = dedup.split_pairs(candidates, sides, review)
        duplicates = [p for p in matches if p.similarity >= threshold]
        paraphrases = [p for p in matches if p.similarity < threshold]
        conflicts = [p for p in near_conflicts if p.input_similarity >= threshold]
        # Classification: paraphrases of one class are the training signal, written on
        # purpose (banking77: 1,542 "keep one" pairs, 927 test rows "leaked" at 0.95);
        # only a paraphrase with another label (a conflict) is a finding there.
        paraphrases_matter = settings.kind != "classification"
        result.semantic = (
            _report_duplicates(sink, compared, duplicates, sides, D005, "semantic", flagged)
            if paraphrases_matter
            else 0
        )
        if paraphrases_matter:
            _report_paraphrases(sink, compared, paraphrases, flagged, threshold)
        result.conflicting += _report_conflicts(
            sink, compared, conflicts, "semantic", flagged, settings.kind
        )
        if (
            paraphrases_matter
            and reference is not None
            and against is not None
            and against.input_texts is not None
        ):
            leaks = _semantic_leaks(settings, embedder, compared, against, static_inputs, inputs)
            result.leaked += _report_leaks(
                sink, compared, leaks, reference, "semantic", leaked_lines
            )
        embeddings = (inputs, outputs_)
    index = SimilarIndex(
        lines=compared.lines,
        input_signatures=input_signatures if settings.near else None,
        input_guards=input_guards if settings.near else None,
        labels=compared.labels,
        input_texts=compared.input_texts if settings.semantic else None,
        input_embeddings=None if embeddings is None or fast else embeddings[0],
        static_inputs=static_inputs,
    )
    return result, index


def _embed_rows(
    embedder: Any, compared: Compared, rows: list[int], progress: bool
) -> tuple[np.ndarray, np.ndarray | None]:
    """Full-model embeddings of the inputs (and outputs) of ``rows``; other rows are
    zero vectors, which never reach a threshold."""
    from advisor.similarity.embeddings import embed

    n = len(compared.lines)
    inputs = np.zeros((n, embedder.dimension), dtype=np.float32)
    if rows:
        inputs[rows] = embed(embedder, [compared.input_texts[k] for k in rows], progress=progress)
    if not any(compared.output_texts[k] for k in rows):
        return inputs, None
    outputs = np.zeros((n, embedder.dimension), dtype=np.float32)
    if rows:
        outputs[rows] = embed(embedder, [compared.output_texts[k] for k in rows], progress=progress)
    return inputs, outputs


def _vectors_by_row(
    embedder,
    texts: list[str],
    rows: list[int],
    progress: bool,  # type: ignore[no-untyped-def]
) -> dict[int, np.ndarray]:
    from advisor.similarity.embeddings import embed

    if not rows:
        return {}
    vectors = embed(embedder, [texts[k] for k in rows], progress=progress)
    return dict(zip(rows, vectors, strict=True))


def _semantic_leaks(
    settings: SimilarSettings,
    embedder: Any,
    compared: Compared,
    reference: SimilarIndex,
    static_inputs: np.ndarray | None,
    inputs: np.ndarray,
) -> list[tuple[int, int, float]]:
    """Eval inputs semantically equal to a training input (fast tier: proposed by
    the static model, confirmed by the full model)."""

    threshold = settings.thresholds.semantic_cosine
    assert reference.input_texts is not None
    if reference.input_embeddings is not None:
        return dedup.semantic_leaks(reference.input_embeddings, inputs, threshold)
    assert static_inputs is not None and reference.static_inputs is not None
    proposals = list(
        dedup.similar_pairs(
            static_inputs, settings.thresholds.semantic_fast_cosine, other=reference.static_inputs
        )
    )
    progress = not settings.quiet
    eval_vectors = _vectors_by_row(
        embedder, compared.input_texts, sorted({j for j, _, _ in proposals}), progress
    )
    train_vectors = _vectors_by_row(
        embedder, reference.input_texts, sorted({i for _, i, _ in proposals}), progress
    )
    best: dict[int, tuple[float, int]] = {}
    for j, i, _ in proposals:
        similarity = float(eval_vectors[j] @ train_vectors[i])
        if similarity >= threshold and (j not in best or similarity > best[j][0]):
            best[j] = (similarity, i)
    return sorted((j, i, s) for j, (s, i) in best.items())


def _report_duplicates(
    sink: Sink,
    compared: Compared,
    pairs: list[dedup.Pair],
    sides: dedup.Sides,
    rule: Rule,
    kind: str,
    flagged: set[int],
) -> int:
    keepers = dedup.clusters(pairs)
    threshold_name = "Jaccard" if kind == "near" else "cosine"
    members = np.array(sorted(keepers), dtype=np.int64)
    leaders = np.array([keepers[m] for m in members.tolist()], dtype=np.int64)
    similarities = (
        np.minimum(sides.input_similarities(leaders, members), sides.outputs(leaders, members))
        if len(members)
        else np.zeros(0)
    )
    for member, keeper, similarity in zip(
        members.tolist(), leaders.tolist(), similarities.tolist(), strict=True
    ):
        flagged.add(member)
        finding = sink.add(
            rule,
            compared.lines[member],
            f"{kind.capitalize()} duplicate of line {compared.lines[keeper]} "
            f"({threshold_name} {similarity:.2f} on input and output); keep one.",
            duplicate_of={"file": sink.file, "line": compared.lines[keeper]},
            similarity=round(similarity, 4),
            kind=kind,
        )
        if finding is not None and compared.fixable[member]:
            sink.drop(compared.ordinals[member])
    return len(keepers)


def _report_paraphrases(
    sink: Sink, compared: Compared, pairs: list[dedup.Pair], flagged: set[int], threshold: float
) -> None:
    """D005 as an info for pairs in the review band (under the "keep one" threshold):
    STS-B's "related but different" pairs live there, so nothing is dropped."""
    for pair in dedup.first_per_member(pairs):
        if pair.later in flagged or pair.earlier in flagged:
            continue
        flagged.add(pair.later)
        sink.add(
            D005,
            compared.lines[pair.later],
            f"Paraphrase of line {compared.lines[pair.earlier]} (cosine "
            f"{pair.similarity:.2f} on input and output, under the {threshold:.2f} of a "
            "duplicate): review it, and keep both only if each adds something.",
            duplicate_of={"file": sink.file, "line": compared.lines[pair.earlier]},
            similarity=round(pair.similarity, 4),
            kind="semantic",
            severity="info",
        )


def _report_conflicts(
    sink: Sink,
    compared: Compared,
    pairs: list[dedup.Pair],
    kind: str,
    flagged: set[int],
    data_kind: str | None,
) -> int:
    """D002 for near or semantic inputs with different labels. Classification only: a
    similar prompt with a different answer is normal in generation data (GPTeacher's
    toolformer set: 6,495 such pairs on 7,673 rows, prompts that share a long tool
    description and ask different things); exact-input conflicts are still reported."""
    if data_kind != "classification":
        return 0
    count = 0
    what = "label"
    for pair in dedup.first_per_member(pairs):
        if (
            pair.later in flagged
            or compared.input_keys[pair.later] == compared.input_keys[pair.earlier]
        ):
            continue  # exact-input conflicts were reported in the file pass
        flagged.add(pair.later)
        count += 1
        sink.add(
            D002,
            compared.lines[pair.later],
            f"Input {_ADVERB[kind]} the same as line {compared.lines[pair.earlier]} "
            f"(similarity {pair.input_similarity:.2f}) with a different {what}.",
            duplicate_of={"file": sink.file, "line": compared.lines[pair.earlier]},
            similarity=round(pair.input_similarity, 4),
            kind="conflict",
        )
    return count


def _labels_differ(
    compared: Compared, index: SimilarIndex, eval_index: int, train_index: int
) -> bool:
    """A similar training input with a different label is not a leak: it cannot hand
    the evaluation its answer (banking77: "When will I get my card?" card_arrival vs
    "How will I get my card?" card_delivery_estimate). It is the hard case the
    evaluation is there to measure."""
    if index.labels is None:
        return False
    eval_label, train_label = compared.labels[eval_index], index.labels[train_index]
    return eval_label is not None and train_label is not None and eval_label != train_label


def _report_leaks(
    sink: Sink,
    compared: Compared,
    leaks: list[tuple[int, int, float]],
    reference: Reference,
    kind: str,
    leaked_lines: set[int],
) -> int:
    count = 0
    assert reference.index is not None
    for eval_index, train_index, similarity in leaks:
        line = compared.lines[eval_index]
        if line in leaked_lines or _labels_differ(
            compared, reference.index, eval_index, train_index
        ):
            continue
        leaked_lines.add(line)
        count += 1
        train_line = reference.index.lines[train_index]
        finding = sink.add(
            D003,
            line,
            f"This evaluation example's input is a {kind} duplicate of "
            f"{reference.file} line {train_line} (similarity {similarity:.2f}); it "
            "inflates evaluation scores.",
            duplicate_of={"file": reference.file, "line": train_line},
            similarity=round(similarity, 4),
            kind="leak",
        )
        if finding is not None and compared.fixable[eval_index]:
            sink.drop(compared.ordinals[eval_index], leak=True)  # written only by --fix-eval
    return count
