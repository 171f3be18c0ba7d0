"""Token counts, limits and cost: exact, offline, and matching OpenAI's own numbers."""

from __future__ import annotations

from pathlib import Path

import pytest

from advisor.linter.runner import run_lint
from advisor.linter.settings import LintOptions
from advisor.providers.models import default_epochs, load_providers
from advisor.providers.tokens import load_encoder


def test_cookbook_oracle_for_the_toy_file(real_data: Path) -> None:
    """OpenAI's notebook output for toy_chat_fine_tuning.jsonl (cl100k_base, 4,096 limit)."""
    run = run_lint(
        [real_data / "openai-cookbook/toy_chat_fine_tuning.jsonl"],
        LintOptions(model="gpt-3.5-turbo-0613"),
    )
    facts = run.results[0].facts
    format_errors = [f for f in run.findings if f.code.startswith("F") and f.severity == "error"]
    assert format_errors == []
    assert facts.missing_system == 1
    assert facts.missing_user == 1
    assert (facts.messages_per_example.min, facts.messages_per_example.max) == (2, 9)
    assert (facts.tokens_per_example.min, facts.tokens_per_example.max) == (26, 8032)
    assert facts.tokens_per_example.median == 45
    assert (facts.assistant_tokens_per_example.min, facts.assistant_tokens_per_example.max) == (
        4,
        8000,
    )
    assert facts.over_token_limit == 1
    assert facts.cost is not None
    assert facts.cost.encoding == "cl100k_base"
    assert facts.cost.billable_tokens_per_epoch == 4306
    assert facts.cost.epochs == 20
    assert facts.cost.charged_tokens == 86120


def test_gpt4o_family_uses_o200k() -> None:
    providers = load_providers()
    encoder = load_encoder(providers.model("gpt-4o-mini"))
    assert encoder.name == "o200k_base" and encoder.note is None
    # "hello world" is 2 tokens in both; a Chinese phrase differs between encodings.
    assert encoder.count("hello world") == 2
    cl100k = load_encoder(providers.model("gpt-3.5-turbo"))
    assert cl100k.name == "cl100k_base"
    assert encoder.count("你好，世界。今天天气很好") != cl100k.count("你好，世界。今天天气很好")


def test_encoders_never_touch_the_network(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import tiktoken.load

    from advisor.providers import tokens

    def no_network(*_args: object, **_kwargs: object) -> bytes:
        raise AssertionError("tiktoken tried to download an encoding")

    monkeypatch.setattr(tiktoken.load, "read_file", no_network)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    tokens._load_encoding.cache_clear()
    try:
        encoder = tokens.load_encoder(load_providers().model("gpt-4o"))
        assert encoder.count("offline") > 0
    finally:
        tokens._load_encoding.cache_clear()


def test_batch_and_single_counts_agree() -> None:
    encoder = load_encoder(load_providers().model("gpt-4o-mini"))
    texts = [f"example number {i} with some words" for i in range(200)]
    assert encoder.count_batch(texts) == [encoder.count(t) for t in texts]


@pytest.mark.parametrize(
    ("examples", "epochs"), [(5, 20), (10, 10), (20, 5), (34, 3), (100, 3), (9000, 2), (30000, 1)]
)
def test_default_epochs_rule(examples: int, epochs: int) -> None:
    assert default_epochs(examples, load_providers().defaults) == epochs


def test_tool_definitions_add_tokens(real_data: Path) -> None:
    run = run_lint([real_data / "openai-cookbook/drone_training.jsonl"])
    facts = run.results[0].facts
    assert run.findings == []  # drone_training.jsonl lints clean
    # Every row carries the same tool list (about 500 tokens); short chats on top.
    assert facts.tokens_per_example.min > 500


def test_tool_overhead_follows_openai_recipe() -> None:
    from advisor.providers.tokens import tool_definition_tokens

    encoder = load_encoder(load_providers().model("gpt-4o-mini"))
    tool = {
        "type": "function",
        "function": {
            "name": "f",
            "description": "Get it.",
            "parameters": {
                "type": "object",
                "properties": {"x": {"type": "string", "description": "the x", "enum": ["a", "b"]}},
            },
        },
    }
    expected = (
        7  # func_init
        + encoder.count("f:Get it")
        + 3  # prop_init
        + 3  # prop_key
        - 3  # enum_init
        + 2 * 3
        + encoder.count("a")
        + encoder.count("b")
        + encoder.count("x:string:the x")
        + 12  # func_end
    )
    assert tool_definition_tokens([tool], encoder, "gpt-4o") == expected


def test_every_provider_entry_has_a_source_and_date() -> None:
    providers = load_providers()
    for model in providers.models.values():
        assert model.source and model.read
    assert providers.model("gpt-4o-mini").training_price_per_million == 3.0


def test_tokens_are_counted_only_when_t001_is_selected(
    real_data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Counting every text is most of a format-only lint's cost (bench/lint_speed.py),
    so `--select F` skips it, and the facts say so instead of reporting zero tokens."""
    from click.testing import CliRunner

    from advisor.advice.measured import dataset_facts
    from advisor.cli import cli
    from advisor.linter import analyse

    path = real_data / "openai-cookbook/toy_chat_fine_tuning.jsonl"
    calls: list[int] = []
    real = analyse.count_tokens

    def spy(*args: object, **kwargs: object) -> object:
        calls.append(1)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(analyse, "count_tokens", spy)
    uncounted = run_lint([path], LintOptions(select=("F",)))
    facts = uncounted.results[0].facts
    assert calls == []
    measured = dataset_facts(uncounted.report())  # the advice takes no zero for a count
    assert measured["input_tokens_median"] is None and measured["output_tokens_median"] is None
    assert not facts.tokens_counted and facts.cost is None and facts.total_tokens == 0
    assert facts.examples > 0 and facts.messages_per_example.max == 9  # the rest is measured
    text = CliRunner().invoke(cli, ["lint", str(path), "--select", "F"]).output
    assert "tokens not counted (T001 not selected)" in text
    options = LintOptions(select=("F", "T001"), model="gpt-3.5-turbo-0613")
    counted = run_lint([path], options).results[0].facts
    assert calls and counted.tokens_counted and counted.tokens_per_example.max == 8032
    assert counted.cost is not None and counted.cost.billable_tokens_per_epoch == 4306
    options.select = ("ALL",)
    assert dataset_facts(run_lint([path], options).report())["output_tokens_median"] == 10


def test_a_repeated_system_prompt_is_encoded_once_and_counted_every_time(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Most chat files repeat one instruction on every row: lint encodes it once
    (``Context.instruction_ids``), and the counts are those of encoding every text;
    a full cache drops its oldest prompt rather than grow."""
    from advisor.datasets.model import SFT, Example, Message
    from advisor.linter import analyse

    system = "You are a terse assistant for the billing team. Answer in one sentence."
    rows = [
        [
            {"role": "system", "content": system if n % 3 else f"Rule {n}: {system}"},
            {"role": "user", "content": f"What does invoice {n} cover?"},
            {"role": "assistant", "content": f"Invoice {n} covers the month of {n % 12 + 1}."},
        ]
        for n in range(300)
    ]
    encoder = load_encoder(load_providers().model("gpt-4o-mini"))
    encoded: list[str] = []

    class Counting:
        def encode_ordinary(self, text: str) -> list[int]:
            encoded.append(text)
            return encoder.encoding.encode_ordinary(text)

    def count_all(cache_size: int) -> analyse.Context:
        monkeypatch.setattr(analyse, "INSTRUCTION_CACHE", cache_size)
        context = analyse.Context(
            encoder=type(encoder)(encoder.name, Counting(), encoder.note),  # type: ignore[arg-type]
            tool_overhead="",
            error_codes=frozenset(),
            empty_markers=frozenset(),
            separators=(),
            wanted=frozenset(),
        )
        encoded.clear()
        for n, messages in enumerate(rows):
            turns = [Message(**m) for m in messages]
            example = Example(line=n + 1, format="openai-chat", kind=SFT, messages=turns)
            total, _, _, _ = analyse.count_tokens(example, context)
            assert total == analyse.REPLY_PRIMING + sum(
                analyse.TOKENS_PER_MESSAGE
                + len(encoder.encoding.encode_ordinary(m["role"]))
                + len(encoder.encoding.encode_ordinary(m["content"]))
                for m in messages
            )
        return context

    count_all(cache_size=200)
    assert encoded.count(system) == 1  # 200 rows share it
    assert sum(text.startswith("Rule ") for text in encoded) == 100
    context = count_all(cache_size=50)  # 100 distinct prompts do not pile up
    assert len(context._instruction_ids) == 50 and encoded.count(system) <= 3


def test_duplicates_are_checked_only_when_a_rule_reads_them(
    real_data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Normalising and hashing every example was a quarter of a format-only lint
    (--select F); it is skipped when no rule reads the hashes, and the facts, the
    text output and the advice say "not checked", never zero (the HTML report:
    tests/test_report.py)."""
    from click.testing import CliRunner

    from advisor.advice.measured import apply_facts, dataset_facts
    from advisor.advice.usecase import UseCase
    from advisor.cli import cli
    from advisor.linter import analyse

    path = real_data / "openai-cookbook/toy_chat_fine_tuning.jsonl"
    calls: list[int] = []
    real = analyse.example_keys

    def spy(*args: object) -> object:
        calls.append(1)
        return real(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(analyse, "example_keys", spy)
    unchecked = run_lint([path], LintOptions(select=("F",)))
    facts = unchecked.results[0].facts
    assert calls == []
    assert facts.duplicates is None and facts.unique_examples is None
    assert facts.duplicate_rate is None and facts.valid_examples > 0
    measured = dataset_facts(unchecked.report())
    assert measured["unique_examples"] is None and measured["duplicate_rate"] is None
    usecase = UseCase.model_validate({**UseCase().model_dump(), "example_quality": "high"})
    _, updates, notes = apply_facts(usecase, {**measured, "error_rate": 0.5})
    assert updates == {"example_quality": "low"}
    assert "duplicates not checked" in notes[0] and "0% duplicates" not in notes[0]
    text = CliRunner().invoke(cli, ["lint", str(path), "--select", "F"]).output
    assert "duplicates not checked" in text and "unique" not in text
    for rule in ("D001", "Q012", "S001", "T001"):  # each reads them: back on
        calls.clear()
        checked = run_lint([path], LintOptions(select=("F", rule))).results[0].facts
        assert calls and checked.duplicates is not None and checked.unique_examples == 5
