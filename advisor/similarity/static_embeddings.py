"""The fast semantic tier: a static (per-token) embedding distilled from the model.

A static embedding gives each vocabulary token one fixed vector, made by
running the sentence model once over every token on its own, reducing the
vectors with PCA and weighting them by token frequency (the model2vec recipe:
Tulkens and van Dongen, 2024). A text's vector is the mean of its tokens'
vectors: no transformer at run time, so it embeds tens of times faster, but it
ignores word order and over-scores word overlap ("reset my password" vs "reset
my router"). advisor therefore uses it only to *propose* candidate pairs at a
lower threshold; every candidate is confirmed with the full model, so the fast
tier can miss pairs (measured in bench/dedup_quality.py) but never reports one
the full model would not.

The table is distilled once per model (about 30 s on 2 cores) and cached in
``~/.cache/advisor/static/``; nothing is downloaded.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from advisor.similarity.embeddings import Embedder, cache_path

PCA_DIMS = 256
_BATCH = 512


@dataclass
class StaticEmbedder:
    """Token vectors plus the tokenizer that maps text to token ids."""

    tokenizer: object
    table: np.ndarray
    model_id: str

    def encode(self, texts: list[str], max_tokens: int = 128) -> np.ndarray:
        """L2-normalised mean of token vectors for each text."""
        encoded = self.tokenizer(  # type: ignore[operator]
            texts, add_special_tokens=False, truncation=True, max_length=max_tokens
        )["input_ids"]
        out = np.zeros((len(texts), self.table.shape[1]), dtype=np.float32)
        for row, ids in enumerate(encoded):
            if ids:
                out[row] = self.table[ids].mean(axis=0)
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        norms[norms == 0] = 1.0
        return out / norms


def _table_path(model_id: str) -> Path:
    digest = hashlib.sha256(model_id.encode()).hexdigest()[:16]
    return cache_path().parent / "static" / f"{digest}.npy"


def load_static(embedder: Embedder) -> StaticEmbedder:
    """The static table for ``embedder``'s model, distilled on first use."""
    model = embedder.model
    tokenizer = model.tokenizer  # type: ignore[attr-defined]
    path = _table_path(embedder.model_id)
    if path.is_file():
        try:
            table = np.load(path, allow_pickle=False)
            return StaticEmbedder(tokenizer, table, embedder.model_id)
        except (OSError, ValueError):
            pass
    table = distill(embedder)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp.npy")
        np.save(tmp, table, allow_pickle=False)
        os.replace(tmp, path)
    except OSError:
        pass  # an unwritable cache only costs a re-distillation next time
    return StaticEmbedder(tokenizer, table, embedder.model_id)


def distill(embedder: Embedder) -> np.ndarray:
    """One vector per vocabulary token: the model's embedding of that token alone,
    PCA-reduced to ``PCA_DIMS`` and weighted by an estimate of token frequency
    (smooth inverse frequency from the token's rank, as model2vec does)."""
    import torch

    model = embedder.model
    tokenizer = model.tokenizer  # type: ignore[attr-defined]
    vocabulary = tokenizer.get_vocab()
    size = max(vocabulary.values()) + 1
    ids = torch.arange(size).unsqueeze(1)
    cls = torch.full_like(ids, tokenizer.cls_token_id or 0)
    sep = torch.full_like(ids, tokenizer.sep_token_id or 0)
    batch_ids = torch.cat([cls, ids, sep], dim=1)
    transformer = model[0].auto_model  # type: ignore[index]
    vectors = []
    with torch.inference_mode():
        for start in range(0, size, _BATCH):
            chunk = batch_ids[start : start + _BATCH]
            hidden = transformer(input_ids=chunk, attention_mask=torch.ones_like(chunk))
            vectors.append(hidden.last_hidden_state.mean(dim=1).numpy())
    table = np.concatenate(vectors).astype(np.float32)
    centred = table - table.mean(axis=0)
    _, _, vt = np.linalg.svd(centred, full_matrices=False)
    table = centred @ vt[: min(PCA_DIMS, vt.shape[0])].T
    # Token ids of WordPiece vocabularies are roughly ordered by frequency: weight
    # rank r by a / (a + p(r)) with Zipf p(r) ∝ 1/r, a = 1e-4 (model2vec's SIF).
    ranks = np.arange(1, size + 1, dtype=np.float64)
    probability = (1 / ranks) / np.sum(1 / ranks)
    weights = 1e-4 / (1e-4 + probability)
    return (table * weights[:, None]).astype(np.float32)
