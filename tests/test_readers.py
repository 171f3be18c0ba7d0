"""Readers: format detection from content, line numbers, encodings, real files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from advisor.datasets import open_dataset
from advisor.errors import InputError, UsageError
from advisor.linter.fixes import write_fixed
from advisor.linter.runner import run_lint
from advisor.linter.settings import LintOptions

REAL_FORMATS = {
    "openai-cookbook/toy_chat_fine_tuning.jsonl": ("openai-chat", 5),
    "openai-cookbook/drone_training.jsonl": ("openai-chat", 103),
    "together-cookbook/small_coqa_10.jsonl": ("openai-chat", 10),
    "llamafactory-demo/v1_sft_demo.jsonl": ("openai-chat", 500),
    "llamafactory-demo/alpaca_en_demo.json": ("alpaca", 999),
    "llamafactory-demo/identity.json": ("alpaca", 91),
    "llamafactory-demo/glaive_toolcall_en_demo.json": ("sharegpt", 300),
    "llamafactory-demo/dpo_en_demo.json": ("preference-dpo", 160),
    "llamafactory-demo/kto_en_demo.json": ("preference-kto", 100),
    "axolotl-fixtures/alpaca.json": ("alpaca", 2),
    "axolotl-fixtures/conversation.json": ("sharegpt", 1),
    "alpaca-cleaned-extras/gsm_8k__gsm_8k_train.json": ("alpaca", 300),
    "azure-legacy-prompt-completion/generated_labels_context_switching_prepared_train.jsonl": (
        "prompt-completion",
        178,
    ),
    "azure-legacy-prompt-completion/classification_bulk_test.tsv": ("classification", 66),
    "mlx-examples/wwdc25__train.jsonl": ("prompt-completion", 1800),
    "mlx-examples/lora__train.jsonl": ("text", 200),
    "banking77/train.csv": ("classification", 10003),
    "openai-cookbook/dbpedia_samples.jsonl": ("classification", 200),
    "sms-spam/SMSSpamCollection.tsv": ("classification", 5574),
}


@pytest.mark.parametrize("relative", sorted(REAL_FORMATS))
def test_real_files_are_detected_from_content(real_data: Path, relative: str) -> None:
    expected_format, expected_count = REAL_FORMATS[relative]
    dataset = open_dataset(real_data / relative)
    examples = list(dataset.examples())
    assert dataset.format == expected_format
    assert len(examples) == expected_count


def test_parts_content_is_read_as_text(real_data: Path, tmp_path: Path) -> None:
    # LLaMA-Factory v1 rows: the text is read; the shape is one F026 finding per
    # shape for the file, and the fix writes OpenAI's shape.
    source = real_data / "llamafactory-demo/v1_sft_demo.jsonl"
    first = next(open_dataset(source).examples())
    assert first.messages[0].content == "hi"
    assert {problem.code for problem in first.problems} == {"F026"}
    assert first.valid  # usable for training as it is (advisor train reads it)
    run = run_lint([source], LintOptions(select=("F",)))
    shapes = [f.message for f in run.findings if f.code == "F026"]
    assert len(shapes) == 2 and all("(500 of 500 examples" in m for m in shapes)
    assert run.results[0].facts.valid_examples == 500  # the text is still checked
    fixed = tmp_path / "openai.jsonl"
    write_fixed(run.results[0], fixed)
    row = json.loads(fixed.read_text().splitlines()[0])
    assert row["messages"][0] == {"role": "user", "content": [{"type": "text", "text": "hi"}]}
    assert row["messages"][1]["weight"] == 1 and "loss_weight" not in row["messages"][1]
    assert run_lint([fixed], LintOptions(select=("F",))).findings == []


def test_sharegpt_tool_turns_become_tool_calls(real_data: Path) -> None:
    dataset = open_dataset(real_data / "llamafactory-demo/glaive_toolcall_en_demo.json")
    first = next(dataset.examples())
    roles = [m.role for m in first.messages]
    assert "tool" in roles
    call = next(m for m in first.messages if m.tool_calls)
    assert call.tool_calls[0]["function"]["name"] == "search_recipes"
    assert first.tools and first.valid


def test_table_columns_are_chosen_by_name(real_data: Path) -> None:
    dataset = open_dataset(real_data / "sms-spam/SMSSpamCollection.tsv")
    assert (dataset.text_column, dataset.label_column) == ("SMS", "Label")


def test_table_columns_are_chosen_by_name_among_many(tmp_path: Path) -> None:
    # AG News' header (the cookbook's sample is non-commercial, so it is not vendored).
    path = tmp_path / "news.csv"
    path.write_text(
        "title,description,label_int,label\n"
        "World Briefings,BRITAIN: Blair warns of climate threat,1,World\n"
        "Nets get Carter,The Nets traded for Vince Carter on Friday.,2,Sports\n"
    )
    news = open_dataset(path)
    assert (news.text_column, news.label_column) == ("description", "label")


def test_self_instruct_rows_are_detected(tmp_path: Path) -> None:
    # The shape of Stanford Alpaca's seed_tasks.jsonl (CC BY-NC, so not vendored).
    path = tmp_path / "seed_tasks.jsonl"
    row = {
        "id": "seed_task_0",
        "name": "breakfast_suggestion",
        "instruction": "Is there anything I can eat for a breakfast that doesn't include eggs?",
        "instances": [{"input": "", "output": "Yes, an oatmeal banana protein shake."}],
        "is_classification": False,
    }
    path.write_text("\n".join(json.dumps({**row, "id": f"seed_task_{i}"}) for i in range(3)) + "\n")
    dataset = open_dataset(path)
    assert dataset.format == "self-instruct"
    assert len(list(dataset.examples())) == 3


def test_json_array_elements_keep_their_start_line(tmp_path: Path) -> None:
    path = tmp_path / "data.json"
    path.write_text(
        '[\n  {"instruction": "a",\n   "input": "", "output": "b"},\n\n'
        '  {"instruction": "c", "input": "", "output": "d"}\n]\n'
    )
    lines = [e.line for e in open_dataset(path).examples()]
    assert lines == [2, 5]


def test_bom_and_crlf_are_accepted(tmp_path: Path) -> None:
    path = tmp_path / "data.jsonl"
    row = json.dumps({"prompt": "a", "completion": "b"})
    path.write_bytes(b"\xef\xbb\xbf" + (row + "\r\n" + row.replace("a", "c") + "\r\n").encode())
    dataset = open_dataset(path)
    examples = list(dataset.examples())
    assert dataset.has_bom and dataset.crlf
    assert [e.line for e in examples] == [1, 2]
    assert all(e.valid for e in examples)


def test_utf16_is_a_finding_not_a_crash(tmp_path: Path) -> None:
    path = tmp_path / "data.jsonl"
    path.write_text('{"prompt": "a", "completion": "b"}\n', encoding="utf-16")
    dataset = open_dataset(path)
    assert [p.code for p in dataset.file_problems] == ["F018"]
    assert list(dataset.examples()) == []


def test_binary_file_is_a_finding(tmp_path: Path) -> None:
    path = tmp_path / "data.jsonl"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00")
    assert [p.code for p in open_dataset(path).file_problems] == ["F018"]


def test_bad_line_does_not_stop_the_rest(tmp_path: Path) -> None:
    path = tmp_path / "data.jsonl"
    good = json.dumps({"prompt": "a", "completion": "b"})
    path.write_text(f"{good}\n{{not json\n{good}\n")
    examples = list(open_dataset(path).examples())
    assert [(e.line, [p.code for p in e.problems]) for e in examples] == [
        (1, []),
        (2, ["F001"]),
        (3, []),
    ]


def test_pretty_printed_documents_are_read(tmp_path: Path) -> None:
    path = tmp_path / "data.jsonl"
    path.write_text(
        '{\n  "prompt": "a",\n  "completion": "b"\n}\n{\n  "prompt": "c", "completion": "d"\n}\n'
    )
    examples = list(open_dataset(path).examples())
    assert [e.line for e in examples] == [1, 5]


def test_forced_format_and_columns(tmp_path: Path) -> None:
    path = tmp_path / "data.csv"
    path.write_text("utterance_text,route\nhello there,greet\n")
    dataset = open_dataset(path, text_column="utterance_text", label_column="route")
    [example] = list(dataset.examples())
    assert example.label == "greet" and example.messages[0].content == "hello there"


def test_missing_file_and_bad_format_are_typed_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError):
        open_dataset(tmp_path / "nope.jsonl")
    (tmp_path / "x.jsonl").write_text("{}\n")
    with pytest.raises(UsageError):
        open_dataset(tmp_path / "x.jsonl", input_format="parquet")


def test_cli_format_names_match_the_readers() -> None:
    from advisor.cli import cli
    from advisor.datasets import FORMATS

    option = next(p for p in cli.commands["lint"].params if p.name == "input_format")
    assert tuple(option.type.choices) == tuple(FORMATS)


def test_gemini_contents_are_read_as_a_conversation(tmp_path: Path) -> None:
    """Vertex AI's tuning format, as `advisor train --backend export` writes it."""
    rows = [
        {
            "systemInstruction": {"role": "system", "parts": [{"text": "Be brief."}]},
            "contents": [
                {"role": "user", "parts": [{"text": "Hi "}, {"fileData": {"fileUri": "gs://x"}}]},
                {"role": "model", "parts": [{"text": "Hello."}]},
            ],
        },
        {"contents": [{"role": "user", "parts": [{"text": "Hi"}]}, {"role": "bot", "parts": []}]},
        {
            "contents": [
                {"role": "user", "parts": [{"text": "Hi"}]},
                {"role": "model", "parts": [{"text": " "}]},
            ]
        },
    ]
    path = tmp_path / "gemini.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    good, bad_role, empty = list(open_dataset(path).examples())
    assert good.format == "gemini-contents" and good.valid
    assert [(m.role, m.content) for m in good.messages] == [
        ("system", "Be brief."),
        ("user", "Hi "),
        ("assistant", "Hello."),
    ]
    assert (("contents", 0, "parts", 0, "text"), "Hi ") in good.text_fields
    assert {p.code for p in bad_role.problems} >= {"F006"}
    assert {p.code for p in empty.problems} == {"F012"}


def test_a_cut_short_json_line_says_the_object_never_closed(tmp_path: Path) -> None:
    path = tmp_path / "data.jsonl"
    path.write_text(
        '{"prompt": "a", "completion": "b"}\n{"prompt": "c", "completion": "d"\n'
        '{"prompt": "e", "completion": "f"}\n'
    )
    problems = [p for e in open_dataset(path).examples() for p in e.problems]
    assert [p.line for p in problems] == [2]
    assert "ends before the object is complete" in problems[0].message
    assert "column 1" not in problems[0].message


ASSISTANT = {"role": "assistant", "content": "A cat."}


def test_foreign_image_parts_are_named_with_openai_shape(tmp_path: Path) -> None:
    # Hugging Face / Qwen and Anthropic image parts: F026 names the shape and
    # OpenAI's equivalent (no automatic fix: the image must be turned into a URL).
    path = tmp_path / "vision.jsonl"
    rows = [
        [{"type": "image", "image": "cat.png"}, {"type": "text", "text": "What is this?"}],
        [{"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "x"}}],
    ]
    path.write_text(
        "".join(
            json.dumps({"messages": [{"role": "user", "content": parts}, ASSISTANT]}) + "\n"
            for parts in rows
        )
    )
    run = run_lint([path], LintOptions(select=("F026", "F012")))
    messages = [(f.code, f.line, f.message) for f in run.findings]
    assert [(code, line) for code, line, _ in messages] == [("F026", 1), ("F026", 2)]
    assert "Hugging Face / Qwen image part" in messages[0][2]
    assert "Anthropic image part" in messages[1][2]
    assert all('"image_url"' in message for _, _, message in messages)
