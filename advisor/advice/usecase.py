"""The use case: the single source of truth for the questions advisor asks.

Each field carries its question, help text and choices in ``json_schema_extra``;
the questionnaire walks this model and the strategy rules are validated against
it when they load. Field names and values are a contract shared with answer
files, so they never change meaning.
"""

from __future__ import annotations

import difflib
import json
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from advisor.advice import conditions
from advisor.advice.fields import model_field_types
from advisor.errors import InputError

TaskType = Literal["generation", "classification", "extraction", "qa", "summarization", "chat"]
Frequency = Literal["never", "yearly", "monthly", "weekly", "daily"]
Level = Literal["low", "medium", "high"]
Volume = Literal["none", "small", "large"]
Expertise = Literal["none", "some", "strong"]
Retrieval = Literal["none", "poor", "good"]


def _question(prompt: str, help_text: str, ask_if: str | None = None) -> dict[str, Any]:
    extra: dict[str, Any] = {"prompt": prompt, "help": help_text}
    if ask_if:
        extra["ask_if"] = ask_if
    return extra


class UseCase(BaseModel):
    """What the team wants to build, as the questionnaire records it."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    task_type: TaskType = Field(
        "generation",
        json_schema_extra=_question(
            "What does the model produce?",
            "generation: free text; classification: one of fixed labels; extraction: fields "
            "from text; qa: answers to questions; summarization: shorter versions of "
            "documents; chat: multi-turn assistant.",
        ),
    )
    knowledge_changes: Frequency = Field(
        "never",
        json_schema_extra=_question(
            "How often does the knowledge the answers depend on change?",
            "Facts, prices, policies, documents. 'never' if answers need no outside knowledge.",
        ),
    )
    proprietary_knowledge_volume: Volume = Field(
        "none",
        json_schema_extra=_question(
            "How much private knowledge must the model use?",
            "none; small: fits in a prompt (under ~200k tokens); large: a document collection.",
        ),
    )
    needs_citations: bool = Field(
        False,
        json_schema_extra=_question(
            "Must answers cite their sources?",
            "Users or auditors need to see where an answer came from.",
        ),
    )
    labelled_examples: int = Field(
        0,
        ge=0,
        strict=True,  # `labelled_examples = true` is a mistake, not 1
        json_schema_extra=_question(
            "How many labelled input → output examples do you have?",
            "Count distinct, reviewed examples. With --dataset, advisor counts them itself.",
        ),
    )
    example_quality: Level = Field(
        "medium",
        json_schema_extra=_question(
            "How good are those examples?",
            "high: reviewed, consistent, exactly what you want; low: noisy, unreviewed, "
            "contradictory.",
            ask_if="labelled_examples > 0",
        ),
    )
    prompt_engineering_tried: bool = Field(
        False,
        json_schema_extra=_question(
            "Have you tried careful prompting (instructions, few-shot examples) with an eval?",
            "Providers recommend prompting with an evaluation set before fine-tuning.",
        ),
    )
    prompting_meets_quality_bar: bool | None = Field(
        None,
        json_schema_extra=_question(
            "Does the best prompt already meet your quality bar?",
            "Unknown if you have not measured it.",
            ask_if="prompt_engineering_tried == true",
        ),
    )
    needs_consistent_style_or_format: bool = Field(
        False,
        json_schema_extra=_question(
            "Must outputs follow a consistent style, tone or format that prompts struggle to hold?",
            "House style, a strict JSON schema, a persona.",
        ),
    )
    specialised_terminology: bool = Field(
        False,
        json_schema_extra=_question(
            "Does the domain use specialised terminology or jargon?",
            "Medical, legal, internal product names.",
        ),
    )
    latency_or_cost_sensitive: bool = Field(
        False,
        json_schema_extra=_question(
            "Are latency or cost per request critical?",
            "High volume, real-time, or tight unit economics.",
        ),
    )
    requests_per_month: int = Field(
        0,
        ge=0,
        strict=True,
        json_schema_extra=_question(
            "About how many requests a month will it serve? (0 if you do not know)",
            "Volume decides whether a fine-tuned small model pays for itself; 0 leaves cost out.",
        ),
    )
    input_tokens_per_request: int = Field(
        0,
        ge=0,
        strict=True,
        json_schema_extra=_question(
            "Typical input tokens per request? (0: measure them from the dataset)",
            "Prompt plus user input, in tokens (about 3/4 of a word each).",
            ask_if="requests_per_month > 0",
        ),
    )
    output_tokens_per_request: int = Field(
        0,
        ge=0,
        strict=True,
        json_schema_extra=_question(
            "Typical output tokens per request? (0: measure them from the dataset)",
            "The length of a typical answer, in tokens.",
            ask_if="requests_per_month > 0",
        ),
    )
    privacy_requires_self_hosting: bool = Field(
        False,
        json_schema_extra=_question(
            "Must the model run on infrastructure you control?",
            "Data may not leave your cloud or premises.",
        ),
    )
    ml_expertise: Expertise = Field(
        "some",
        json_schema_extra=_question(
            "How much ML engineering expertise does the team have?",
            "none; some: can run managed fine-tuning and evals; strong: trains models.",
        ),
    )
    budget: Level = Field(
        "medium",
        json_schema_extra=_question("What is the budget for this project?", "low, medium or high."),
    )
    fine_tuning_available: bool = Field(
        True,
        json_schema_extra=_question(
            "Can you fine-tune on your provider or infrastructure?",
            "Some providers have wound down self-serve fine-tuning; open models can be tuned "
            "on your own hardware.",
        ),
    )
    retrieval_quality: Retrieval = Field(
        "none",
        json_schema_extra=_question(
            "How good is your retrieval today?",
            "none: no search/RAG yet; poor: relevant passages are often missed; good.",
            ask_if="proprietary_knowledge_volume != 'none'",
        ),
    )

    @model_validator(mode="before")
    @classmethod
    def _read_answers_as_people_write_them(cls, data: Any) -> Any:
        """Choices in any case ("Classification"), "unknown" for a yes/no question
        that may be unknown, and a whole number written as 120.0."""
        if not isinstance(data, dict):
            return data
        types = model_field_types(cls)
        cleaned = dict(data)
        for name, value in data.items():
            kind = types.get(name)
            if kind is None:
                continue
            if isinstance(value, str) and kind.choices is not None:
                cleaned[name] = value.strip().lower()
            elif isinstance(value, str) and kind.nullable and value.strip().lower() == "unknown":
                cleaned[name] = None
            elif isinstance(value, float) and kind.kind == (int, float) and value.is_integer():
                cleaned[name] = int(value)
        return cleaned

    @classmethod
    def questions(cls) -> dict[str, dict[str, Any]]:
        """Field name → its question metadata, in asking order."""
        return {
            name: dict(field.json_schema_extra or {})  # type: ignore[arg-type]
            for name, field in cls.model_fields.items()
        }


class LoadedUseCase(BaseModel):
    """A use case plus which fields the answers gave and which took their default
    (the report says so)."""

    usecase: UseCase
    defaulted: list[str]
    source: str | None = None
    answered: list[str] = Field(default_factory=list)

    def known(self) -> dict[str, Any]:
        """Only the answers actually given (not the model's defaults)."""
        return self.usecase.model_dump(include=set(self.answered))


def parse_answers(data: dict[str, Any], source: str = "answers") -> LoadedUseCase:
    """Validate raw answers; wrong names or types are an InputError naming the field."""
    if not isinstance(data, dict):
        raise InputError(f"{source}: answers must be a table of field = value.")
    try:
        usecase = UseCase.model_validate(data)
    except ValidationError as exc:
        problems = []
        for error in exc.errors()[:5]:
            field = ".".join(str(p) for p in error["loc"]) or "(file)"
            if error["type"] == "extra_forbidden":
                close = difflib.get_close_matches(field, list(UseCase.model_fields), n=1)
                hint = f"; did you mean {close[0]!r}?" if close else "; `advisor ask` lists them"
                problems.append(f"{field}: not a question advisor asks{hint}")
                continue
            problems.append(f"{field}: {error['msg']} (got {error.get('input')!r})")
        raise InputError(f"{source}: invalid answers: " + "; ".join(problems)) from exc
    defaulted = [
        name for name in UseCase.model_fields if name not in data and is_relevant(name, usecase)
    ]
    answered = [name for name in UseCase.model_fields if name in data]
    return LoadedUseCase(usecase=usecase, defaulted=defaulted, source=source, answered=answered)


def is_relevant(name: str, usecase: UseCase) -> bool:
    """Whether a question applies given the other answers (its ``ask_if``)."""
    condition = UseCase.questions()[name].get("ask_if")
    if not condition:
        return True
    parsed = conditions.parse(condition, model_field_types(UseCase))
    return conditions.evaluate(parsed, usecase.model_dump())


def load_answers(path: Path | str) -> LoadedUseCase:
    """Read an answers file: TOML, or JSON when the name ends in .json."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise InputError(f"{path}: cannot read the answers file ({exc.strerror or exc}).") from exc
    try:
        data = json.loads(text) if path.suffix.lower() == ".json" else tomllib.loads(text)
    except (ValueError, tomllib.TOMLDecodeError) as exc:
        kind = "JSON" if path.suffix.lower() == ".json" else "TOML"
        raise InputError(f"{path}: not valid {kind}: {exc}") from exc
    return parse_answers(data, str(path))


def dump_answers(usecase: UseCase, path: Path | str) -> str:
    """Serialise answers as TOML (JSON for .json names); None values are left out."""
    return dump_values(usecase.model_dump(), path)


def dump_values(values: dict[str, Any], path: Path | str) -> str:
    """Serialise some answers (all of them, or those given so far) for ``path``."""
    data = {k: v for k, v in values.items() if v is not None}
    if str(path).lower().endswith(".json"):
        return json.dumps(data, indent=2) + "\n"
    lines = []
    for key, value in data.items():
        if isinstance(value, bool):
            lines.append(f"{key} = {'true' if value else 'false'}")
        elif isinstance(value, int):
            lines.append(f"{key} = {value}")
        else:
            lines.append(f"{key} = {json.dumps(value)}")
    return "\n".join(lines) + "\n"
