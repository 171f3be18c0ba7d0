"""`advisor probe-docs`: measure what the model must know instead of asking.

* **Volume**: the documents' tokens with the chosen model's encoding, against
  what fits in a prompt (the model's context window, at most 200,000 tokens:
  Anthropic's threshold for putting a whole knowledge base in the prompt with
  caching) → ``proprietary_knowledge_volume``.
* **Change**: commits touching the folder per month over the last year (git),
  else files modified per month (modification times) →
  ``knowledge_changes``.
* **Retrieval**: with questions and reference answers (or source files), the
  documents are cut into passages, and dense (the bundled MiniLM), BM25 and
  hybrid retrieval are each scored by recall@k: is a passage holding the answer
  among the first k? → ``retrieval_quality``, with the misses listed.
"""

from __future__ import annotations

import json
import math
import re
import subprocess
import time
from collections import Counter
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from advisor.errors import InputError
from advisor.measure.documents import Corpus, read_corpus
from advisor.measure.stored import load_measurement
from advisor.providers.models import load_providers
from advisor.providers.tokens import load_encoder

PROMPT_BUDGET = 200_000  # tokens: Anthropic's "whole knowledge base in the prompt" limit
PASSAGE_WORDS, PASSAGE_OVERLAP = 150, 30
RECALL_K = 5
GOOD_RECALL = 0.8


class ChangeRate(BaseModel):
    measured_from: str  # "git" or "modification times"
    per_month: float
    knowledge_changes: str


class RetrievalResult(BaseModel):
    questions: int
    passages: int
    k: int
    recall: dict[str, float]  # method → recall@k
    best: str
    retrieval_quality: str
    misses: list[str]  # questions whose answer the best method did not retrieve


class DocsProbe(BaseModel):
    """What `advisor probe-docs` writes: the measurements and the answers they give."""

    folder: str
    files: int
    unreadable: list[dict[str, str]]
    not_documents: int
    tokens: int
    encoding: str
    model: str
    prompt_budget: int
    fits_in_prompt: bool
    proprietary_knowledge_volume: str
    change: ChangeRate | None
    retrieval: RetrievalResult | None

    def answers(self) -> dict[str, Any]:
        """The use-case answers this probe measured."""
        measured: dict[str, Any] = {
            "proprietary_knowledge_volume": self.proprietary_knowledge_volume
        }
        if self.change is not None:
            measured["knowledge_changes"] = self.change.knowledge_changes
        if self.retrieval is not None:
            measured["retrieval_quality"] = self.retrieval.retrieval_quality
        return measured


def frequency(per_month: float) -> str:
    """Changes per month → the questionnaire's answer."""
    if per_month >= 20:
        return "daily"
    if per_month >= 4:
        return "weekly"
    if per_month >= 1:
        return "monthly"
    if per_month >= 1 / 12:
        return "yearly"
    return "never"


def change_rate(folder: Path, corpus: Corpus, now: float | None = None) -> ChangeRate | None:
    """Commits per month touching ``folder`` over the last 12 months (git), else
    files modified per month over the same window."""
    now = now or time.time()
    year_ago = now - 365 * 86400
    try:
        done = subprocess.run(
            ["git", "log", "--since=12 months ago", "--format=%ct", "--", "."],
            cwd=folder,
            capture_output=True,
            text=True,
            timeout=60,
        )
    except (OSError, subprocess.SubprocessError):
        done = None
    if done is not None and done.returncode == 0:
        commits = [int(line) for line in done.stdout.split() if line.strip().isdigit()]
        per_month = len([c for c in commits if c >= year_ago]) / 12
        return ChangeRate(
            measured_from="git",
            per_month=round(per_month, 2),
            knowledge_changes=frequency(per_month),
        )
    if not corpus.documents:
        return None
    modified = [d.path.stat().st_mtime for d in corpus.documents]
    per_month = len([m for m in modified if m >= year_ago]) / 12
    return ChangeRate(
        measured_from="modification times",
        per_month=round(per_month, 2),
        knowledge_changes=frequency(per_month),
    )


# --------------------------------------------------------------------------- retrieval

_WORD = re.compile(r"\w+", re.UNICODE)


def passages(corpus: Corpus) -> list[tuple[str, str]]:
    """(source file, text) passages of about 150 words overlapping by 30."""
    out = []
    step = PASSAGE_WORDS - PASSAGE_OVERLAP
    for document in corpus.documents:
        words = document.text.split()
        for start in range(0, max(len(words) - PASSAGE_OVERLAP, 1), step):
            piece = " ".join(words[start : start + PASSAGE_WORDS])
            if piece:
                out.append((str(document.path), piece))
    return out


def _tokens(text: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(text)]


def bm25_rank(query: str, texts: list[list[str]], k1: float = 1.5, b: float = 0.75) -> list[int]:
    """Passage indexes by BM25 score for ``query`` (Robertson and Zaragoza)."""
    n = len(texts)
    average = sum(len(t) for t in texts) / max(n, 1)
    document_frequency: Counter[str] = Counter()
    for text in texts:
        document_frequency.update(set(text))
    terms = set(_tokens(query))
    scores = []
    for text in texts:
        counts = Counter(text)
        score = 0.0
        for term in terms:
            if term not in counts:
                continue
            idf = math.log(
                1 + (n - document_frequency[term] + 0.5) / (document_frequency[term] + 0.5)
            )
            tf = counts[term]
            score += idf * tf * (k1 + 1) / (tf + k1 * (1 - b + b * len(text) / max(average, 1)))
        scores.append(score)
    return sorted(range(n), key=lambda i: -scores[i])


def _answer_in(passage: tuple[str, str], question: dict[str, Any]) -> bool:
    """A passage holds the answer when it contains the reference answer (ignoring case
    and spacing) or, when the question names its source file, comes from it."""
    source, text = passage
    if question.get("source"):
        return Path(source).name == Path(str(question["source"])).name
    wanted = " ".join(str(question.get("answer", "")).lower().split())
    return bool(wanted) and wanted in " ".join(text.lower().split())


def read_questions(path: Path) -> list[dict[str, Any]]:
    """Questions with a reference ``answer`` or a ``source`` file, one JSON object a line."""
    questions = []
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
    except OSError as exc:
        raise InputError(f"{path}: cannot read the questions ({exc.strerror or exc}).") from exc
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except ValueError as exc:
            raise InputError(f"{path}:{number}: not a JSON object ({exc}).") from exc
        if not isinstance(item, dict) or not item.get("question"):
            raise InputError(f'{path}:{number}: needs a "question" (and an answer or source).')
        if not item.get("answer") and not item.get("source"):
            raise InputError(f'{path}:{number}: needs an "answer" or a "source" file.')
        questions.append(item)
    if not questions:
        raise InputError(f"{path}: no questions.")
    return questions


def retrieval_recall(
    corpus: Corpus, questions: list[dict[str, Any]], progress: bool = False
) -> RetrievalResult:
    """Recall@k of dense, BM25 and hybrid (reciprocal-rank fusion) retrieval."""
    import numpy as np

    from advisor.similarity.embeddings import embed, load_embedder

    pieces = passages(corpus)
    if not pieces:
        raise InputError("the folder holds no readable text to retrieve from.")
    embedder = load_embedder()
    passage_vectors = embed(embedder, [text for _, text in pieces], progress=progress)
    query_vectors = embed(embedder, [str(q["question"]) for q in questions], progress=progress)
    tokenised = [_tokens(text) for _, text in pieces]
    hits: dict[str, list[bool]] = {"dense": [], "bm25": [], "hybrid": []}
    for question, vector in zip(questions, query_vectors, strict=True):
        dense = list(np.argsort(-(passage_vectors @ vector)))
        lexical = bm25_rank(str(question["question"]), tokenised)
        fused: Counter[int] = Counter()
        for ranking in (dense, lexical):
            for rank, index in enumerate(ranking[:50]):
                fused[int(index)] += 1 / (60 + rank)
        hybrid = [index for index, _ in fused.most_common()]
        for name, ranking in (("dense", dense), ("bm25", lexical), ("hybrid", hybrid)):
            hits[name].append(any(_answer_in(pieces[int(i)], question) for i in ranking[:RECALL_K]))
    recall = {name: round(sum(found) / len(found), 3) for name, found in hits.items()}
    best = max(recall, key=lambda name: (recall[name], name == "hybrid"))
    misses = [
        str(q["question"]) for q, found in zip(questions, hits[best], strict=True) if not found
    ]
    return RetrievalResult(
        questions=len(questions),
        passages=len(pieces),
        k=RECALL_K,
        recall=recall,
        best=best,
        retrieval_quality="good" if recall[best] >= GOOD_RECALL else "poor",
        misses=misses,
    )


def probe_docs(
    folder: Path | str,
    *,
    questions: Path | None = None,
    model: str | None = None,
    progress: bool = False,
) -> DocsProbe:
    """Measure a folder of documents (and, with questions, how well it is retrieved)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError(f"{folder}: not a folder of documents.")
    corpus = read_corpus(folder)
    providers = load_providers()
    profile = providers.model(model)
    encoder = load_encoder(profile)
    tokens = sum(len(encoder.encoding.encode_ordinary(d.text)) for d in corpus.documents)
    budget = min(PROMPT_BUDGET, profile.context_window or PROMPT_BUDGET)
    if tokens == 0:
        volume = "none"
    elif tokens <= budget:
        volume = "small"
    else:
        volume = "large"
    retrieval = None
    if questions is not None:
        retrieval = retrieval_recall(corpus, read_questions(questions), progress)
    return DocsProbe(
        folder=str(folder),
        files=len(corpus.documents),
        unreadable=[{"file": str(p), "reason": why} for p, why in corpus.unreadable],
        not_documents=len(corpus.skipped),
        tokens=tokens,
        encoding=encoder.name,
        model=profile.name,
        prompt_budget=budget,
        fits_in_prompt=tokens <= budget,
        proprietary_knowledge_volume=volume,
        change=change_rate(folder, corpus),
        retrieval=retrieval,
    )


def load_probe(path: Path | str) -> DocsProbe:
    """A docs probe written by `advisor probe-docs`."""
    return load_measurement(path, DocsProbe, "docs probe", "probe-docs")
