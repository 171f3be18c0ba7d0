"""Semantic duplicates with the real bundled model, through the real CLI."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from tests.helpers import invoke

# Generation data: paraphrased prompts with paraphrased answers are duplicates; in
# classification data the same paraphrases are the training signal (see below).


def _jsonl(rows: list[tuple[str, str]]) -> str:
    return "".join(json.dumps({"prompt": p, "completion": c}) + "\n" for p, c in rows)


TRAIN = _jsonl(
    [
        ("How can I reset my password?", "Use the Reset password button in Settings."),
        ("What time do you open tomorrow?", "We open at 9 am."),
        ("How do I reset my password?", "Open Settings and choose Reset password."),
        ("Where is the nearest branch?", "The nearest branch is at 12 Main Street."),
        ("Can I change the PIN of my card in the app?", "Yes, under Card, then PIN."),
        ("How can I reset my password?", "Use the Reset password button in Settings."),
    ]
)
VALID = _jsonl(
    [
        ("Where is the nearest branch located?", "The closest branch is at 12 Main Street."),
        ("Is there a fee for foreign payments?", "No, foreign card payments are free."),
    ]
)


def count_model_calls(embedder, monkeypatch: pytest.MonkeyPatch) -> list[int]:  # type: ignore[no-untyped-def]
    """How many texts each call of the model's encode got (the model still runs)."""
    calls: list[int] = []
    original = embedder.model.encode

    def counting(texts, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(len(texts))
        return original(texts, **kwargs)

    monkeypatch.setattr(embedder.model, "encode", counting)
    return calls


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    train = tmp_path / "train.jsonl"
    valid = tmp_path / "valid.jsonl"
    train.write_text(TRAIN)
    valid.write_text(VALID)
    return train, valid


def test_semantic_lint_finds_paraphrases_and_leaks(
    files: tuple[Path, Path], tmp_path: Path
) -> None:
    train, valid = files
    result = invoke(
        "lint", str(train), "--eval", str(valid), "--semantic", "--format", "json", "--quiet"
    )
    report = json.loads(result.stdout)
    by_code = {}
    for finding in report["findings"]:
        by_code.setdefault(finding["code"], []).append(finding)
    exact = by_code["D001"][0]
    assert (exact["line"], exact["duplicate_of"]["line"], exact["kind"]) == (6, 1, "exact")
    [semantic] = by_code["D005"]
    assert semantic["line"] == 3 and semantic["duplicate_of"] == {"file": str(train), "line": 1}
    assert semantic["kind"] == "semantic" and 0.95 <= semantic["similarity"] < 1.0
    [leak] = by_code["D003"]
    assert leak["file"] == str(valid) and leak["line"] == 1
    assert leak["duplicate_of"] == {"file": str(train), "line": 4} and leak["kind"] == "leak"
    assert report["facts"]["duplicates"]["semantic"] == 1
    assert report["eval_facts"]["duplicates"]["leaked_into_eval"] == 1
    assert "embedding [" not in result.stderr  # --quiet hides progress


def test_classification_paraphrases_are_signal_not_duplicates(tmp_path: Path) -> None:
    # The same paraphrases as classification rows: varied wordings of one class are
    # what a classifier learns from, so no "keep one" and no leak; a paraphrase with
    # another label is a conflict.
    train = tmp_path / "train.csv"
    train.write_text(
        "text,label\nHow can I reset my password?,password\nWhat time do you open?,hours\n"
        "How do I reset my password?,password\nHow do I reset my password please?,pin\n"
    )
    valid = tmp_path / "valid.csv"
    valid.write_text("text,label\nHow could I reset my password?,password\n")
    result = invoke(
        "lint", str(train), "--eval", str(valid), "--semantic", "--format", "json", "-q"
    )
    report = json.loads(result.stdout)
    found = [(f["code"], f["line"]) for f in report["findings"] if f["code"].startswith("D")]
    assert found == [("D002", 5)]
    assert report["facts"]["duplicates"]["semantic"] == 0


def test_without_semantic_no_embedding_is_done(files: tuple[Path, Path]) -> None:
    train, _ = files
    report = json.loads(invoke("lint", str(train), "--format", "json").stdout)
    assert report["facts"]["duplicates"]["semantic"] is None
    assert not any(f["code"] == "D005" for f in report["findings"])


def test_fix_keeps_one_per_cluster(files: tuple[Path, Path], tmp_path: Path) -> None:
    train, _ = files
    output = tmp_path / "deduped.jsonl"
    result = invoke("lint", str(train), "--semantic", "--quiet", "--fix", str(output))
    assert result.returncode in (0, 1)
    rows = train.read_text().splitlines()
    assert output.read_text().splitlines() == [rows[0], rows[1], rows[3], rows[4]]


def test_dups_command_lists_clusters(files: tuple[Path, Path]) -> None:
    train, valid = files
    result = invoke(
        "dups", str(train), "--eval", str(valid), "--semantic", "--format", "json", "-q"
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    [cluster] = report["clusters"]
    assert cluster["keeper"]["line"] == 1
    assert {(m["line"], m["kind"]) for m in cluster["members"]} == {(3, "semantic"), (6, "exact")}
    assert report["leaks"][0]["example"]["line"] == 1
    text = invoke("dups", str(train), "--semantic", "-q")
    assert "keep" in text.stdout and "drop" in text.stdout


def test_progress_bar_without_quiet(
    files: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    train, _ = files
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    result = invoke("lint", str(train), "--semantic")
    assert "embedding [" in result.stderr and "texts/s" not in result.stdout


def test_cache_only_embeds_what_changed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from advisor.similarity.embeddings import EmbeddingCache, embed, load_embedder

    embedder = load_embedder()
    calls = count_model_calls(embedder, monkeypatch)
    cache = EmbeddingCache(tmp_path / "cache.sqlite")
    first = embed(
        embedder, ["alpha beta", "gamma delta", "alpha beta"], progress=False, cache=cache
    )
    assert calls == [2]  # the repeated text is embedded once
    second = embed(embedder, ["alpha beta", "epsilon"], progress=False, cache=cache)
    assert calls == [2, 1]  # only the new text
    np.testing.assert_allclose(first[0], second[0], rtol=1e-6)
    np.testing.assert_allclose(np.linalg.norm(first, axis=1), 1.0, rtol=1e-5)


def test_bad_embedding_model_is_a_clear_error(files: tuple[Path, Path], tmp_path: Path) -> None:
    train, _ = files
    empty = tmp_path / "not-a-model"
    empty.mkdir()
    result = invoke("lint", str(train), "--semantic", "--embedding-model", str(empty))
    assert result.returncode == 2
    assert "not a sentence-transformers model folder" in result.stderr
    assert "Traceback" not in result.stderr


def test_embedding_model_path_is_used(files: tuple[Path, Path]) -> None:
    from advisor.similarity.embeddings import default_model_path

    train, _ = files
    result = invoke(
        "lint",
        str(train),
        "--semantic",
        "--embedding-model",
        str(default_model_path()),
        "-q",
        "--format",
        "json",
    )
    assert json.loads(result.stdout)["facts"]["duplicates"]["semantic"] == 1


def test_fast_tier_confirms_with_the_full_model(files: tuple[Path, Path]) -> None:
    train, valid = files
    args = ["lint", str(train), "--eval", str(valid), "--semantic", "--format", "json", "-q"]
    full = json.loads(invoke(*args).stdout)
    fast = json.loads(invoke(*args, "--semantic-tier", "fast").stdout)

    def semantic(report: dict) -> list[tuple[str, int, float]]:
        return sorted(
            (f["code"], f["line"], round(f["similarity"], 4))
            for f in report["findings"]
            if f["code"] in ("D005", "D003")
        )

    # Every fast-tier finding is confirmed by the full model with the same score.
    assert semantic(fast) and set(semantic(fast)) <= set(semantic(full))


def test_static_embedding_is_distilled_from_the_model() -> None:
    from advisor.similarity.embeddings import load_embedder
    from advisor.similarity.static_embeddings import PCA_DIMS, load_static

    static = load_static(load_embedder())
    assert static.table.shape[1] == PCA_DIMS
    vectors = static.encode(["reset my password", "reset my password please", "opening hours"])
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2]


def test_a_paraphrase_under_the_duplicate_threshold_is_an_info_to_review(tmp_path: Path) -> None:
    # Outputs at cosine 0.93: a paraphrase, not a duplicate; --fix keeps both rows.
    data = tmp_path / "branches.jsonl"
    data.write_text(
        _jsonl(
            [
                ("Where is the nearest branch?", "The nearest branch is on Main Street."),
                ("Where is the nearest branch located?", "Our closest branch is on Main Street."),
            ]
        )
    )
    fixed = tmp_path / "fixed.jsonl"
    result = invoke("lint", str(data), "--semantic", "-q", "--format", "json", "--fix", str(fixed))
    [finding] = [f for f in json.loads(result.stdout)["findings"] if f["code"] == "D005"]
    assert finding["severity"] == "info" and finding["line"] == 2
    assert 0.90 <= finding["similarity"] < 0.95
    assert "review" in finding["message"]
    assert fixed.read_text() == data.read_text()


def test_training_baseline_reads_what_lint_embedded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # `advisor lint --semantic` fills the embedding cache; the classifier's frozen
    # baseline then reads the same texts from it instead of running the model again.
    from advisor.similarity.embeddings import load_embedder
    from advisor.train.classifier import frozen_vectors

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    data = tmp_path / "intents.csv"
    texts = ["How can I reset my password?", "What time do you open?", "Where is my card?"]
    data.write_text("text,label\n" + "".join(f"{t},l{k}\n" for k, t in enumerate(texts)))
    assert invoke("lint", str(data), "--semantic", "-q").returncode in (0, 1)
    embedder = load_embedder()
    calls = count_model_calls(embedder, monkeypatch)
    vectors = frozen_vectors(embedder, texts, progress=False)
    assert calls == [] and vectors.shape == (3, embedder.dimension)
    frozen_vectors(embedder, [*texts, "A new one"], progress=False)
    assert calls == [1]
