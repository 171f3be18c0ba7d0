"""Fuzzing: random and mutated files go through the readers and every check.

No exception may escape: malformed input must become findings. Together the
tests below feed 1,200 generated files (hypothesis), well over the 1,000 asked.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from advisor.linter.runner import run_lint
from advisor.linter.settings import LintOptions

# FUZZ_EXAMPLES=5000 runs a longer campaign locally.
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "600"))

SEEDS = [
    b'{"messages": [{"role": "system", "content": "Be kind"}, {"role": "user", "content": "Hi"}, '
    b'{"role": "assistant", "content": "Hello"}]}\n',
    b'{"messages": [{"role": "user", "content": "Go"}, {"role": "assistant", "tool_calls": '
    b'[{"id": "c1", "type": "function", "function": {"name": "go", "arguments": "{}"}}]}], '
    b'"tools": [{"type": "function", "function": {"name": "go", '
    b'"parameters": {"type": "object"}}}]}\n',
    b'[{"instruction": "Add", "input": "1 2", "output": "3"}, {"instruction": "x", "output": "y"}]',
    b'{"conversations": [{"from": "human", "value": "hi"}, {"from": "gpt", "value": "yo"}]}\n',
    b'{"prompt": "Q ->", "completion": " A"}\n{"prompt": "R ->", "completion": " B"}\n',
    b"text,label\nhello,greet\nbye,leave\n",
    b"Label\tSMS\nham\tok then\nspam\tWIN now\n",
    b'{"conversations": [{"from": "human", "value": "q"}], '
    b'"chosen": {"from": "gpt", "value": "a"}, '
    b'"rejected": {"from": "gpt", "value": "b"}}\n',
    b'{"id": "t", "instruction": "Do", "instances": [{"input": "", "output": "done"}]}\n',
    b'{"text": "plain text row"}\n',
]

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    "messages",
                    "role",
                    "content",
                    "prompt",
                    "completion",
                    "instruction",
                    "input",
                    "output",
                    "conversations",
                    "from",
                    "value",
                    "tool_calls",
                    "tools",
                    "weight",
                    "label",
                    "text",
                    "chosen",
                    "rejected",
                    "function",
                    "name",
                    "arguments",
                    "x",
                ]
            ),
            children,
            max_size=5,
        )
    ),
    max_leaves=20,
)


def lint_bytes(payload: bytes, suffix: str = ".jsonl") -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"data{suffix}"
        path.write_bytes(payload)
        run = run_lint([path], LintOptions())
        run.report()


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(json_values, min_size=1, max_size=6))
def test_random_json_records(records: list[object]) -> None:
    lint_bytes(("\n".join(json.dumps(r) for r in records) + "\n").encode())


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(SEEDS),
    st.lists(
        st.tuples(
            st.integers(min_value=0, max_value=400), st.binary(max_size=4), st.integers(0, 3)
        ),
        max_size=6,
    ),
    st.sampled_from([".jsonl", ".json", ".csv"]),
)
def test_mutated_real_shapes(
    seed: bytes, mutations: list[tuple[int, bytes, int]], suffix: str
) -> None:
    data = bytearray(seed)
    for position, blob, deleted in mutations:
        at = position % (len(data) + 1)
        data[at : at + deleted] = blob
    lint_bytes(bytes(data), suffix)
