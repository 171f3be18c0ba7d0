"""The export backend: provider-ready training files and the commands to use them.

For each provider the examples are written in that provider's own format,
linted again with that provider's profile (its roles, turn order and token
limits), and paired with the exact upload and create-job commands. Nothing is
sent anywhere unless ``--submit openai`` asks for it (``submit.py``).

Formats: OpenAI chat JSONL (``messages``, ``tools``, per-turn ``weight``);
Together conversational JSONL (``messages`` of system/user/assistant); Mistral
instruct JSONL (``messages``, OpenAI-shaped tool calls); Vertex AI Gemini
(``systemInstruction`` + ``contents`` of user/model ``parts``).
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from advisor.datasets.model import Example
from advisor.fsutil import write_atomic


@dataclass(frozen=True)
class Provider:
    name: str
    title: str
    lint_model: str
    supports_tools: bool
    convert: Callable[[list[dict[str, Any]], list[Any] | None], dict[str, Any]]
    # (train file name, validation file name or None, model): names are relative to
    # COMMANDS.sh, which starts by changing to its own folder.
    commands: Callable[[str, str | None, str], list[str]]


def as_messages(example: Example, system_prompt: str | None = None) -> list[dict[str, Any]]:
    """OpenAI-shaped messages of any SFT or classification example."""
    if example.kind == "classification":
        text = example.messages[0].content if example.messages else ""
        messages = [
            {"role": "user", "content": text},
            {"role": "assistant", "content": example.label},
        ]
    else:
        messages = []
        for m in example.messages:
            message: dict[str, Any] = {"role": "system" if m.role == "developer" else m.role}
            message["content"] = m.content
            if m.tool_calls:
                message["tool_calls"] = [
                    {k: v for k, v in call.items() if k != "legacy"}
                    if isinstance(call, dict)
                    else call
                    for call in m.tool_calls
                ]
            if m.tool_call_id:
                message["tool_call_id"] = m.tool_call_id
            if m.name:
                message["name"] = m.name
            if m.weight is not None:
                message["weight"] = m.weight
            messages.append(message)
    if system_prompt and (not messages or messages[0]["role"] != "system"):
        messages.insert(0, {"role": "system", "content": system_prompt})
    return messages


def _uses_tools(messages: list[dict[str, Any]], tools: list[Any] | None) -> bool:
    return bool(tools) or any(m.get("tool_calls") or m["role"] == "tool" for m in messages)


def _openai(messages: list[dict[str, Any]], tools: list[Any] | None) -> dict[str, Any]:
    record: dict[str, Any] = {"messages": messages}
    if tools:
        record["tools"] = tools
    return record


def _plain(messages: list[dict[str, Any]], _tools: list[Any] | None) -> dict[str, Any]:
    return {"messages": [{"role": m["role"], "content": m["content"]} for m in messages]}


def _mistral(messages: list[dict[str, Any]], tools: list[Any] | None) -> dict[str, Any]:
    kept = [{k: v for k, v in m.items() if k != "weight"} for m in messages]
    record: dict[str, Any] = {"messages": kept}
    if tools:
        record["tools"] = tools
    return record


def _vertex(messages: list[dict[str, Any]], _tools: list[Any] | None) -> dict[str, Any]:
    record: dict[str, Any] = {}
    turns = messages
    if turns and turns[0]["role"] == "system":
        record["systemInstruction"] = {"role": "system", "parts": [{"text": turns[0]["content"]}]}
        turns = turns[1:]
    record["contents"] = [
        {"role": "model" if m["role"] == "assistant" else "user", "parts": [{"text": m["content"]}]}
        for m in turns
    ]
    return record


def _q(name: str) -> str:
    return shlex.quote(name)


def _curl_upload(api: str, key: str, name: str) -> str:
    """A curl upload of ``name`` (relative to COMMANDS.sh), every word quoted."""
    form = shlex.quote(f"file=@{name}")
    return f'curl {api}/v1/files -H "Authorization: Bearer ${key}" -F purpose=fine-tune -F {form}'


def _openai_commands(train: str, valid: str | None, model: str) -> list[str]:
    api, key = "https://api.openai.com", "OPENAI_API_KEY"
    job = {"training_file": "TRAIN_FILE_ID", "model": model}
    if valid:
        job["validation_file"] = "VALID_FILE_ID"
    lines = [f"# upload (prints a file id)\n{_curl_upload(api, key, train)}"]
    if valid:
        lines.append(_curl_upload(api, key, valid))
    lines.append(
        "# create the job with the ids printed above\n"
        'curl https://api.openai.com/v1/fine_tuning/jobs -H "Authorization: Bearer '
        '$OPENAI_API_KEY" -H "Content-Type: application/json" '
        f"-d {shlex.quote(json.dumps(job))}"
    )
    lines.append("# or let advisor do both: advisor train ... --backend export --submit openai")
    return lines


def _together_commands(train: str, valid: str | None, model: str) -> list[str]:
    lines = [
        f"# pip install together; export TOGETHER_API_KEY=...\ntogether files upload {_q(train)}"
    ]
    create = (
        "together fine-tuning create --training-file TRAIN_FILE_ID "
        f"--model {shlex.quote(model)} --lora"
    )
    if valid:
        lines.append(f"together files upload {_q(valid)}")
        create += " --validation-file VALID_FILE_ID --n-evals 1"
    lines.append(create)
    return lines


def _mistral_commands(train: str, valid: str | None, model: str) -> list[str]:
    api, key = "https://api.mistral.ai", "MISTRAL_API_KEY"
    job: dict[str, Any] = {
        "model": model,
        "training_files": [{"file_id": "TRAIN_FILE_ID", "weight": 1}],
        "hyperparameters": {"training_steps": 10, "learning_rate": 0.0001},
        "auto_start": True,
    }
    lines = [_curl_upload(api, key, train)]
    if valid:
        job["validation_files"] = ["VALID_FILE_ID"]
        lines.append(_curl_upload(api, key, valid))
    lines.append(
        'curl https://api.mistral.ai/v1/fine_tuning/jobs -H "Authorization: Bearer '
        '$MISTRAL_API_KEY" -H "Content-Type: application/json" '
        f"-d {shlex.quote(json.dumps(job))}"
    )
    return lines


def _vertex_commands(train: str, valid: str | None, model: str) -> list[str]:
    spec: dict[str, Any] = {"trainingDatasetUri": "gs://BUCKET/advisor/train.jsonl"}
    lines = [f"gcloud storage cp {_q(train)} gs://BUCKET/advisor/train.jsonl"]
    if valid:
        lines.append(f"gcloud storage cp {_q(valid)} gs://BUCKET/advisor/valid.jsonl")
        spec["validationDatasetUri"] = "gs://BUCKET/advisor/valid.jsonl"
    body = {"baseModel": model, "supervisedTuningSpec": spec}
    lines.append(
        'curl -X POST -H "Authorization: Bearer $(gcloud auth print-access-token)" '
        '-H "Content-Type: application/json" '
        "https://LOCATION-aiplatform.googleapis.com/v1/projects/PROJECT_ID/locations/LOCATION/"
        f"tuningJobs -d {shlex.quote(json.dumps(body))}"
    )
    return lines


PROVIDERS: dict[str, Provider] = {
    "openai": Provider(
        "openai", "OpenAI", "gpt-4o-mini-2024-07-18", True, _openai, _openai_commands
    ),
    "together": Provider(
        "together", "Together AI", "openai/gpt-oss-20b", False, _plain, _together_commands
    ),
    "mistral": Provider(
        "mistral", "Mistral", "open-mistral-nemo", True, _mistral, _mistral_commands
    ),
    "vertex": Provider(
        "vertex", "Vertex AI (Gemini)", "gemini-2.5-flash", False, _vertex, _vertex_commands
    ),
}


def _write_jsonl(path: Path, records: list[dict[str, Any]]) -> None:
    write_atomic(path, "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records))


def export_provider(
    provider: Provider,
    out_dir: Path,
    train: list[Example],
    valid: list[Example],
    *,
    model: str | None,
    system_prompt: str | None,
) -> dict[str, Any]:
    """Write one provider's files, lint them with its profile, return the summary."""
    from advisor.linter.runner import run_lint
    from advisor.linter.settings import LintOptions

    lint_model = model or provider.lint_model
    skipped: list[int] = []
    files: dict[str, Path] = {}
    for split, examples in (("train", train), ("valid", valid)):
        if not examples:
            continue
        records = []
        for example in examples:
            messages = as_messages(example, system_prompt)
            if not provider.supports_tools and _uses_tools(messages, example.tools):
                skipped.append(example.line)
                continue
            records.append(provider.convert(messages, example.tools))
        files[split] = out_dir / f"{split}.jsonl"
        _write_jsonl(files[split], records)
    report = run_lint(
        [files["train"]], LintOptions(model=lint_model, quiet=True), eval_path=files.get("valid")
    ).report()
    errors = sorted({f.code for f in report.findings if f.severity == "error"})
    warnings = sorted({f.code for f in report.findings if f.severity == "warning"})
    valid_name = files["valid"].name if "valid" in files else None
    commands = provider.commands(files["train"].name, valid_name, lint_model)
    write_atomic(
        out_dir / "COMMANDS.sh",
        f"#!/bin/sh\n# {provider.title}: file names are relative to this script's folder.\n"
        'cd "$(dirname "$0")" || exit 1\n' + "\n".join(commands) + "\n",
    )
    return {
        "title": provider.title,
        "model": lint_model,
        "files": {split: str(path) for split, path in files.items()},
        "examples": {
            split: sum(1 for _ in path.open(encoding="utf-8")) for split, path in files.items()
        },
        "skipped_lines": skipped,
        "lint_errors": errors,
        "lint_warnings": warnings,
        "ready": not errors,
        "commands": commands,
    }


def run_export(
    run_dir: Path,
    train: list[Example],
    valid: list[Example],
    providers: list[str],
    *,
    model: str | None,
    system_prompt: str | None,
    log: Callable[[str], None],
) -> dict[str, Any]:
    """Export for each provider; returns the metrics body (no models trained here)."""
    summaries = {}
    for name in providers:
        provider = PROVIDERS[name]
        summary = export_provider(
            provider,
            run_dir / "export" / name,
            train,
            valid,
            model=model if name == "openai" else None,
            system_prompt=system_prompt,
        )
        state = "ready" if summary["ready"] else "NOT ready: " + ", ".join(summary["lint_errors"])
        skipped = (
            f"; {len(summary['skipped_lines'])} tool-call example(s) left out (not supported)"
            if summary["skipped_lines"]
            else ""
        )
        log(
            f"{provider.title}: {summary['examples']} examples for {summary['model']}, "
            f"{state}{skipped}"
        )
        summaries[name] = summary
    ready = [n for n, s in summaries.items() if s["ready"]]
    verdict = (
        f"training files ready for {', '.join(ready)}; "
        "run the commands in export/<provider>/COMMANDS.sh"
        if ready
        else "no provider's files lint clean; see lint_errors"
    )
    return {
        "models": {},
        "export": summaries,
        "verdict": verdict,
        "helped": None,
        "held_out_examples": len(valid),
        "train_examples": len(train),
    }
