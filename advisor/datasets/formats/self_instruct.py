"""Self-Instruct records: one ``instruction`` with several ``instances`` (one example each)."""

from __future__ import annotations

from typing import Any

from advisor.datasets.formats.fields import new_example, string_field
from advisor.datasets.formats.names import SELF_INSTRUCT
from advisor.datasets.model import SFT, Example, Message, Problem
from advisor.datasets.structure import F003, F007, F012, flag_unknown_keys

SELF_INSTRUCT_KEYS = {"id", "name", "instruction", "instances", "is_classification"}


def normalise(record: dict[str, Any], line: int) -> list[Example]:
    instances = record.get("instances")
    probe = new_example(line, SELF_INSTRUCT, SFT, record)
    instruction = string_field(record, "instruction", probe, required=True)
    flag_unknown_keys(probe, record, SELF_INSTRUCT_KEYS, top_level=False)
    if not isinstance(instances, list) or not instances:
        probe.problems.append(
            Problem(F007, line, "`instances` must be a non-empty list of {input, output}.")
        )
        return [probe]
    examples: list[Example] = []
    for index, instance in enumerate(instances):
        example = new_example(line, SELF_INSTRUCT, SFT, record)
        example.sub_index = index
        if index == 0:
            example.problems.extend(probe.problems)
            example.text_fields.extend(probe.text_fields)
        if not isinstance(instance, dict):
            example.problems.append(Problem(F007, line, f"instances[{index}] is not an object."))
            examples.append(example)
            continue
        given = instance.get("input", "")
        output = instance.get("output")
        if not isinstance(output, str):
            example.problems.append(
                Problem(F003, line, f"instances[{index}] has no string `output`.")
            )
            output = ""
        elif not output.strip():
            example.problems.append(Problem(F012, line, f"instances[{index}].output is empty."))
        given = given if isinstance(given, str) else ""
        example.text_fields.append((("instances", index, "input"), given))
        example.text_fields.append((("instances", index, "output"), output))
        prompt = instruction + ("\n\n" + given if given.strip() else "")
        example.messages = [
            Message("user", prompt, bool(prompt.strip())),
            Message("assistant", output, bool(output.strip())),
        ]
        examples.append(example)
    return examples
