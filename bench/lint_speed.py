"""How fast is `advisor lint` compared with bare tiktoken counting of the same text?

Builds a chat JSONL file of at least 100,000 examples from the real datasets in
../shared/data, then times, in the same run:

  (a) bare tiktoken counting of every message text with the model's encoding:
      the faster of ``encode_ordinary_batch(num_threads=cores)`` and a plain
      ``encode_ordinary`` loop;
  (b) the full non-semantic ``advisor lint`` as a user runs it (a new process),
      with and without near duplicates;
  (c) the format rules alone (``--select F``),

and prints wall time, CPU seconds (user + system, the lint's worker processes
included) and peak memory (the largest process) of each, with the ratio of (b)
to (a). Goals (issue 14): the full default lint at most 1.5x the counting floor,
the format rules at most 4 CPU-s per 100,000 rows.

    python bench/lint_speed.py [--examples 100000] [--model gpt-4o-mini] [--keep FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DATA = Path(os.environ.get("ADVISOR_SHARED_DATA", REPO.parent / "shared" / "data"))


def source_conversations() -> Iterator[list[dict[str, str]]]:
    """Real conversations from several files, as OpenAI chat messages."""
    for name in (
        "llamafactory-demo/alpaca_en_demo.json",
        "alpaca-cleaned-extras/gsm_8k__gsm_8k_train.json",
        "alpaca-cleaned-extras/GPTeacher__Toolformer__toolformer-dedupe-only-dataset.json",
    ):
        for row in json.loads((DATA / name).read_text()):
            prompt = row["instruction"] + (("\n\n" + row["input"]) if row.get("input") else "")
            yield [
                {"role": "user", "content": prompt},
                {"role": "assistant", "content": row["output"]},
            ]
    for line in (DATA / "mlx-examples/wwdc25__train.jsonl").read_text().splitlines():
        row = json.loads(line)
        yield [
            {"role": "user", "content": row["prompt"]},
            {"role": "assistant", "content": row["completion"]},
        ]
    for line in (DATA / "together-cookbook/small_coqa_10.jsonl").read_text().splitlines():
        yield json.loads(line)["messages"]


def build(path: Path, examples: int) -> list[str]:
    """Write the benchmark file; return every message text in it (for the bare count)."""
    pool = list(source_conversations())
    texts: list[str] = []
    system = "You are a helpful assistant. Answer accurately and concisely."
    with path.open("w", encoding="utf-8") as out:
        for index in range(examples):
            conversation = pool[index % len(pool)]
            round_ = index // len(pool)
            messages = [{"role": "system", "content": system}]
            for message in conversation:
                content = message["content"]
                if round_ and message["role"] == "user":
                    content = f"{content} (variant {round_})"
                messages.append({"role": message["role"], "content": content})
            texts.extend(m["content"] for m in messages)
            out.write(json.dumps({"messages": messages}, ensure_ascii=False) + "\n")
    return texts


def bare_count(texts: list[str], encoding_name: str) -> tuple[float, str]:
    """Seconds for the faster of batch-threaded and loop counting, and which won."""
    sys.path.insert(0, str(REPO))
    from advisor.providers.models import load_providers
    from advisor.providers.tokens import load_encoder

    providers = load_providers()
    model = next(m for m in providers.models.values() if m.encoding == encoding_name)
    encoding = load_encoder(model).encoding
    cores = os.cpu_count() or 1
    encoding.encode_ordinary("warm up")
    started = time.perf_counter()
    batch_total = sum(len(t) for t in encoding.encode_ordinary_batch(texts, num_threads=cores))
    batch = time.perf_counter() - started
    started = time.perf_counter()
    encode = encoding.encode_ordinary
    loop_total = sum(len(encode(t)) for t in texts)
    loop = time.perf_counter() - started
    assert batch_total == loop_total
    if batch <= loop:
        return batch, f"encode_ordinary_batch(num_threads={cores}) {batch:.2f}s, loop {loop:.2f}s"
    return loop, f"encode_ordinary loop {loop:.2f}s, batch(num_threads={cores}) {batch:.2f}s"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--examples", type=int, default=100_000)
    parser.add_argument("--model", default="gpt-4o-mini")
    parser.add_argument("--keep", type=Path, help="keep the generated file here")
    args = parser.parse_args()
    advisor = shutil.which("advisor") or str(Path(sys.executable).with_name("advisor"))
    with tempfile.TemporaryDirectory() as folder:
        path = args.keep or Path(folder) / "bench.jsonl"
        texts = build(path, args.examples)
        size = path.stat().st_size / 1e6
        print(f"file: {args.examples:,} examples, {len(texts):,} messages, {size:.1f} MB")
        encoding = "o200k_base" if "4o" in args.model or "4.1" in args.model else "cl100k_base"
        bare, detail = bare_count(texts, encoding)
        print(f"(a) bare tiktoken counting ({encoding}): {bare:.2f}s  [{detail}]")
        command = [advisor, "lint", str(path), "--model", args.model, "--format", "json"]
        for label, extra in (
            ("every non-semantic check, near duplicates included", []),
            ("without near duplicates (--no-near)", ["--no-near"]),
            ("format rules only (--select F)", ["--select", "F"]),
        ):
            wall, cpu, peak, out = timed([*command, *extra])
            duplicates = json.loads(out)["facts"]["duplicates"]  # null: not checked (F only)
            near = duplicates["near"] if duplicates else None
            print(
                f"(b) advisor lint, new process, {label}: {wall:.2f}s wall, {cpu:.1f} CPU-s, "
                f"peak {peak / 1e6:.0f} MB; (b)/(a) {wall / bare:.2f}x; near duplicates: {near}"
            )


def timed(command: list[str]) -> tuple[float, float, int, str]:
    """Wall seconds, CPU seconds (the process and its workers) and peak resident bytes
    (of the largest process) of one run, measured by GNU time: a child forked from
    this benchmark would count this process's memory as its own until it execs."""
    with tempfile.TemporaryDirectory() as folder:
        report = Path(folder) / "time.txt"
        out = Path(folder) / "out.json"
        gnu_time = ["/usr/bin/time", "-o", str(report), "-f", "%e %U %S %M"]
        result = subprocess.run(
            [*gnu_time, *command, "-o", str(out)], stderr=subprocess.DEVNULL, check=False
        )
        if result.returncode not in (0, 1):
            sys.exit(f"advisor lint failed: {' '.join(command)}")
        wall, user, system, peak_kb = report.read_text().split()[-4:]
        return float(wall), float(user) + float(system), int(peak_kb) * 1024, out.read_text()


if __name__ == "__main__":
    main()
