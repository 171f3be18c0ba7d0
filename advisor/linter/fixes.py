"""Write a cleaned copy of a dataset with the safe fixes applied.

Safe means the meaning of every kept example is unchanged: exact duplicates are
dropped (the first occurrence stays), surrounding whitespace is stripped, and
"no input" markers become empty strings, LLaMA-Factory parts take OpenAI's shape,
and (``--fix-eval``) evaluation examples that leak from training are dropped. The
input file is never touched, the
output is written atomically, and JSON Lines rows that cannot be parsed are
carried over verbatim so nothing is lost.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from advisor.datasets import raw
from advisor.errors import UsageError
from advisor.fsutil import same_file, write_atomic
from advisor.linter.rules.duplicates import D003
from advisor.linter.run import FileResult, LintRun


@dataclass
class FixSummary:
    output: Path
    dropped: int
    edited: int
    kept_unparsed: int


def _apply(record: Any, edits: list[tuple[tuple[Any, ...], str]]) -> Any:
    for path, action in edits:
        parent = record
        try:
            for part in path[:-1]:
                parent = parent[part]
            value = parent[path[-1]]
        except (KeyError, IndexError, TypeError):
            continue
        if action == "rename" and isinstance(parent, dict):
            _to_openai_shape(parent, path[-1])
        elif isinstance(value, str):
            parent[path[-1]] = value.strip() if action == "strip" else ""
    return record


def _to_openai_shape(parent: dict[str, Any], key: Any) -> None:
    """F026's fix on one key: a LLaMA-Factory text part's "value" becomes "text"; a
    turn's "loss_weight" becomes OpenAI's "weight" on assistant turns and goes
    elsewhere (the analysis only asks for 0/1 weights or non-assistant turns)."""
    if key == "value" and "text" not in parent:
        parent["text"] = parent.pop("value")
    elif key == "loss_weight":
        weight = parent.pop("loss_weight")
        if parent.get("role") == "assistant" and "weight" not in parent:
            parent["weight"] = int(weight)


def write_fixed(result: FileResult, output: Path | str) -> FixSummary:
    """Apply ``result.fix_plan`` to the file it came from and write ``output``."""
    source = result.dataset.path
    output = Path(output)
    if same_file(source, output):
        raise UsageError(f"--fix would overwrite its input {source}; name another output file.")
    plan = result.fix_plan
    container = result.dataset.container
    if container is None:
        raise UsageError(f"{source}: nothing can be fixed in a file that cannot be read.")
    info, _ = raw.sniff(source)
    assert info is not None
    if container == raw.JSONL and raw.one_record_per_line(source):
        text, kept = _fix_json_lines(source, plan.drop, plan.edits)
    else:
        records = list(raw.read_records(source, info))
        broken = [r.line for r in records if r.problem is not None]
        if broken:
            shown = ", ".join(map(str, broken[:5]))
            raise UsageError(
                f"{source}: cannot write a fixed copy while records fail to parse (line(s) "
                f"{shown}); repair them first (F001)."
            )
        kept = 0
        by_index = container == raw.JSON_ARRAY
        values = []
        for index, record in enumerate(records):
            ordinal = index if by_index else record.line
            if ordinal not in plan.drop:
                values.append(_apply(record.value, plan.edits.get(ordinal, [])))
        if container == raw.TABLE:
            text = _table_text(values, info.delimiter or ",")
        else:
            text = json.dumps(values, ensure_ascii=False, indent=2) + "\n"
    write_atomic(output, text)
    return FixSummary(output, len(plan.drop), len(plan.edits), kept)


def _fix_json_lines(
    source: Path, drop: set[int], edits: dict[int, list[tuple[tuple[Any, ...], str]]]
) -> tuple[bytes, int]:
    """Line by line: dropped lines go, edited lines are re-serialised, every other
    line (unparseable ones included) is copied byte for byte."""
    out = io.BytesIO()
    kept_unparsed = 0
    with source.open("rb") as handle:
        for ordinal, raw_line in enumerate(handle, start=1):  # a JSONL record's ordinal is its line
            if ordinal == 1 and raw_line.startswith(b"\xef\xbb\xbf"):
                raw_line = raw_line[3:]
            body = raw_line.rstrip(b"\r\n")
            if ordinal in drop or not body.strip():
                continue
            try:
                record = json.loads(body)
            except ValueError:
                kept_unparsed += 1
            else:
                if ordinal in edits:
                    body = json.dumps(_apply(record, edits[ordinal]), ensure_ascii=False).encode()
            out.write(body + b"\n")
    return out.getvalue(), kept_unparsed


def _table_text(rows: list[dict[str, Any]], delimiter: str) -> str:
    if not rows:
        return ""
    out = io.StringIO()
    quoting = csv.QUOTE_NONE if delimiter == "\t" else csv.QUOTE_MINIMAL
    writer = csv.DictWriter(
        out,
        fieldnames=list(rows[0]),
        delimiter=delimiter,
        quoting=quoting,
        escapechar="\\",
        lineterminator="\n",
    )
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def move_leak_fixes_to_training(run: LintRun) -> int:
    """``--drop-leaks-from train``: the training copy loses the training examples that
    evaluation examples leak from (D003's ``duplicate_of``), and the evaluation copy
    keeps its leaked rows. Returns how many training examples that drops."""
    from advisor.datasets import open_dataset

    assert run.eval_result is not None
    train = run.results[0]
    leaked_lines = {
        f.duplicate_of["line"]
        for f in run.eval_result.findings
        if f.code == D003.code and f.duplicate_of is not None
    }
    ordinals: dict[int, set[int]] = {}
    for example in open_dataset(train.dataset.path).examples():
        ordinals.setdefault(example.line, set()).add(example.ordinal)
    for line in sorted(leaked_lines):
        found = ordinals.get(line, set())
        if len(found) > 1:
            raise UsageError(
                f"{train.dataset.path}: line {line} holds several records, so the leaked one "
                "cannot be told apart; use --drop-leaks-from eval, or one record per line."
            )
        train.fix_plan.drop.update(found)
    plan = run.eval_result.fix_plan
    plan.drop -= plan.leaks
    return len(leaked_lines)
