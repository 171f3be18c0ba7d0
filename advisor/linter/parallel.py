"""Analyse a dataset's examples, using every core for large JSON Lines files.

Token counting and per-example checks are independent across examples, so a
large JSON Lines file is cut into byte ranges at line boundaries and analysed
by forked worker processes; results come back in file order and the runner
folds them in sequence (duplicates and leakage need that order). Forking
shares the loaded tokenizer and Python's hash seed with the workers, so the
duplicate keys they compute match the parent's. Small files, other containers
and platforms without ``fork`` run inline: the result is the same.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from advisor.datasets import Dataset
from advisor.datasets import raw as raw_io
from advisor.linter.analyse import Context, ExampleResult, analyse
from advisor.similarity import minhash

# Below this size the cost of starting workers outweighs the gain (measured with
# bench/lint_speed.py: about 0.1 s to fork and collect two workers).
PARALLEL_MIN_BYTES = 4_000_000
_RANGES_PER_WORKER = 4
_BATCH = 2048

# Set in the parent just before forking; workers read it (never pickled).
_SHARED: tuple[Dataset, Context] | None = None


@contextmanager
def cyclic_gc_paused() -> Iterator[None]:
    """Python's cycle collector paused for a lint: a large file allocates millions of
    small objects (parsed records, examples, results, pairs), none in reference
    cycles, and each collection rescans everything still alive. On the 100,000-row
    file of bench/lint_speed.py (a noisy machine): 24.3 -> 19.3 CPU-s for the
    default lint (one run each way), 4.7 -> 3.8-4.2 for ``--select F`` (two).
    Forked workers inherit the pause; reference counting still frees everything."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def analyse_dataset(
    dataset: Dataset, context: Context, workers: int | None = None
) -> Iterator[ExampleResult]:
    """Every example's ``ExampleResult``, in file order."""
    count = workers if workers is not None else (os.cpu_count() or 1)
    if _can_parallelise(dataset, count):
        yield from _parallel(dataset, context, count)
        return
    batch: list[ExampleResult] = []
    for example in dataset.examples():
        batch.append(analyse(example, context))
        if len(batch) >= _BATCH:
            yield from finish_batch(batch)
            batch = []
    yield from finish_batch(batch)


def finish_batch(results: list[ExampleResult]) -> list[ExampleResult]:
    """Replace the token ids kept for near duplicates by MinHash signatures,
    computed for the whole batch at once (vectorised)."""
    positions = [k for k, result in enumerate(results) if result.near is not None]
    if positions:
        prompts = minhash.signatures([results[k].near[0] for k in positions])  # type: ignore[index]
        outputs = minhash.signatures([results[k].near[1] for k in positions])  # type: ignore[index]
        for row, k in enumerate(positions):
            guard = results[k].near[2]  # type: ignore[index]
            signed = (prompts[row].tobytes(), outputs[row].tobytes(), guard)
            results[k] = results[k]._replace(near=signed)
    return results


def _can_parallelise(dataset: Dataset, workers: int) -> bool:
    return (
        workers > 1
        and dataset.container == raw_io.JSONL
        and dataset.format is not None
        and "fork" in multiprocessing.get_all_start_methods()
        and dataset.path.stat().st_size >= PARALLEL_MIN_BYTES
        and raw_io.one_record_per_line(dataset.path)
    )


def _parallel(dataset: Dataset, context: Context, workers: int) -> Iterator[ExampleResult]:
    global _SHARED
    ranges = raw_io.line_ranges(dataset.path, workers * _RANGES_PER_WORKER)
    _SHARED = (dataset, context)
    make = ExampleResult._make
    try:
        context = multiprocessing.get_context("fork")
        with context.Pool(workers, initializer=_ignore_interrupts) as pool:
            for results in pool.imap(_analyse_range, ranges):
                yield from map(make, results)
    finally:
        _SHARED = None


def _ignore_interrupts() -> None:
    """Workers leave Ctrl-C to the parent, which stops them: no traceback per worker,
    and no worker left waiting on a queue the parent no longer reads."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _analyse_range(span: tuple[int, int, int]) -> list[tuple[Any, ...]]:
    """Worker: parse and analyse one byte range of a JSON Lines file."""
    assert _SHARED is not None
    dataset, context = _SHARED
    results = []
    for record in raw_io.read_json_line_range(dataset.path, *span):
        for example in dataset.normalise_record(record):
            example.ordinal = record.line
            results.append(analyse(example, context))
    # Plain tuples pickle about six times faster than named tuples.
    return [tuple(result) for result in finish_batch(results)]
