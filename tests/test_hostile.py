"""Hostile use of the outputs, through the installed console script: no command
writes over one of its inputs (by any name: symlinks and hard links too), two
outputs never share a file, a run folder is new or an earlier run's, and the
export's COMMANDS.sh never runs what a folder name smuggles in."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.helpers import run_console_script

ROWS = "".join(
    json.dumps(
        {
            "messages": [
                {"role": "user", "content": f"Q{i}"},
                {"role": "assistant", "content": f"A{i}."},
            ]
        }
    )
    + "\n"
    for i in range(12)
)


POLICY = """[[rule]]
id = "policy-citations"
when = "needs_citations"
scores = { rag = 1 }
reason = "Company policy: answers that cite sources go through retrieval."
source = "https://example.com/policy"
"""


@pytest.fixture
def data(tmp_path: Path) -> Path:
    path = tmp_path / "train.jsonl"
    path.write_text(ROWS)
    return path


@pytest.fixture
def answers(tmp_path: Path) -> Path:
    path = tmp_path / "usecase.toml"
    path.write_text('task_type = "generation"\nlabelled_examples = 12\n')
    return path


def refused(result: subprocess.CompletedProcess[str], *words: str) -> None:
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    for word in words:
        assert word in result.stderr, result.stderr


@pytest.mark.parametrize(
    "extra",
    [
        ["-o", "{data}"],
        ["--format", "json", "-o", "{data}"],
        ["--format", "sarif", "-o", "{eval}"],
        ["--fix", "{data}"],
        ["-o", "{link}"],
        ["-o", "{hardlink}"],
        ["-o", "{out}", "--fix", "{out}"],
    ],
    ids=["o", "json", "eval", "fix", "symlink", "hardlink", "two-outputs"],
)
def test_lint_never_writes_over_an_input(data: Path, tmp_path: Path, extra: list[str]) -> None:
    evaluation = tmp_path / "valid.jsonl"
    evaluation.write_text(ROWS[: len(ROWS) // 2])
    link, hardlink = tmp_path / "link.jsonl", tmp_path / "hard.jsonl"
    link.symlink_to(data)
    os.link(data, hardlink)
    names = {"data": data, "eval": evaluation, "link": link, "hardlink": hardlink}
    names["out"] = tmp_path / "out.jsonl"
    args = [part.format(**names) for part in extra]
    before = {path: path.read_bytes() for path in (data, evaluation)}
    result = run_console_script("lint", str(data), "--eval", str(evaluation), *args)
    refused(result, "own file" if extra.count("{out}") == 2 else "never overwrites")
    assert {path: path.read_bytes() for path in before} == before
    assert not (tmp_path / "out.jsonl").exists()


def test_lint_of_a_folder_never_writes_over_a_file_inside(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "a.jsonl").write_text(ROWS)
    result = run_console_script("lint", str(folder), "-o", str(folder / "a.jsonl"))
    refused(result, "a.jsonl")
    assert (folder / "a.jsonl").read_text() == ROWS


@pytest.mark.parametrize(
    "outputs",
    [
        ["-o", "{data}"],
        ["-o", "{answers}"],
        ["--json", "{answers}"],
        ["-o", "{policy}"],
        ["-o", "{page}", "--json", "{page}"],
    ],
    ids=["o-dataset", "o-answers", "json-answers", "o-policy", "same-twice"],
)
@pytest.mark.parametrize("command", ["report", "check"])
def test_report_and_check_never_write_over_an_input(
    command: str, outputs: list[str], data: Path, answers: Path, tmp_path: Path
) -> None:
    policy = tmp_path / "policy.toml"
    policy.write_text(POLICY)
    names = {"data": data, "answers": answers, "policy": policy, "page": tmp_path / "r.html"}
    args = [part.format(**names) for part in outputs]
    before = {path: path.read_bytes() for path in (data, answers, policy)}
    given = (
        ["report", "--answers", str(answers), "--dataset", str(data)]
        if command == "report"
        else ["check", str(data), "--answers", str(answers)]
    )
    result = run_console_script(*given, "--rules", str(policy), "-q", *args)
    refused(result)
    assert {path: path.read_bytes() for path in before} == before
    assert not (tmp_path / "r.html").exists()


def test_check_saves_the_answers_it_used(data: Path, answers: Path, tmp_path: Path) -> None:
    saved = tmp_path / "saved.toml"
    page = tmp_path / "r.html"
    result = run_console_script(
        "check", str(data), "--answers", str(answers), "--save-answers", str(saved), "-o", str(page)
    )
    assert result.returncode == 0, result.stderr
    text = saved.read_text()
    assert 'task_type = "generation"' in text and "knowledge_changes" in text
    over = run_console_script("check", str(data), "--save-answers", str(data), "-o", str(page))
    refused(over, "never overwrites")
    assert data.read_text() == ROWS


def test_ask_never_replaces_a_file_without_being_told(answers: Path, tmp_path: Path) -> None:
    existing = tmp_path / "existing.toml"
    existing.write_text("# mine\n")
    same = run_console_script("ask", "--answers", str(answers), "-o", str(answers))
    refused(same, "never overwrites")
    kept = run_console_script(
        "ask", "--answers", str(answers), "-o", str(existing), input="\n" * 40
    )
    refused(kept, "--force")
    assert existing.read_text() == "# mine\n"
    forced = run_console_script(
        "ask", "--answers", str(answers), "-o", str(existing), "--force", input="\n" * 40
    )
    assert forced.returncode == 0, forced.stderr
    assert 'task_type = "generation"' in existing.read_text()


def test_ask_keeps_every_answer_when_stopped_and_resumes(tmp_path: Path) -> None:
    output = tmp_path / "usecase.toml"
    stopped = run_console_script("ask", "-o", str(output), input="classification\nmonthly\n")
    assert stopped.returncode == 2 and not output.exists()
    progress = tmp_path / "usecase.toml.partial"
    saved = progress.read_text()
    assert 'task_type = "classification"' in saved and 'knowledge_changes = "monthly"' in saved
    resumed = run_console_script("ask", "-o", str(output), input="\n" * 40)
    assert resumed.returncode == 0, resumed.stderr
    assert "Resuming the answers saved" in resumed.stdout
    # the two saved answers were not asked again
    assert resumed.stdout.count("What kind of task") == 0
    final = output.read_text()
    assert 'task_type = "classification"' in final and 'knowledge_changes = "monthly"' in final
    assert not progress.exists()


@pytest.mark.parametrize("where", ["file", "folder-with-files", "dot"])
def test_train_writes_only_into_a_new_folder_or_a_run(
    where: str, data: Path, answers: Path, tmp_path: Path
) -> None:
    if where == "file":
        out = tmp_path / "notes.txt"
        out.write_text("keep me\n")
    else:
        out = tmp_path / "project"
        out.mkdir()
        (out / "README.md").write_text("keep me\n")
    before = sorted(p.name for p in out.parent.iterdir())
    args = ["train", "--answers", str(answers), "--dataset", str(data), "--force"]
    if where == "dot":
        result = run_console_script(*args, "--out", ".", cwd=out)
    else:
        result = run_console_script(*args, "--out", str(out))
    refused(result, "--out")
    assert sorted(p.name for p in out.parent.iterdir()) == before
    if out.is_dir():
        assert sorted(p.name for p in out.iterdir()) == ["README.md"]
        assert (out / "README.md").read_text() == "keep me\n"
    else:
        assert out.read_text() == "keep me\n"


def test_export_commands_never_run_what_a_folder_name_smuggles_in(
    real_data: Path, tmp_path: Path
) -> None:
    answers = tmp_path / "usecase.toml"
    answers.write_text(
        'task_type = "classification"\nlabelled_examples = 178\nexample_quality = "high"\n'
        "prompt_engineering_tried = true\nprompting_meets_quality_bar = false\n"
    )
    data = (
        real_data
        / "azure-legacy-prompt-completion"
        / "generated_labels_context_switching_prepared_train.jsonl"
    )
    out = tmp_path / "run $(touch pwned) `touch pwned2`"
    result = run_console_script(
        "train",
        "--answers",
        str(answers),
        "--dataset",
        str(data),
        "--out",
        str(out),
        "--backend",
        "export",
        "--system-prompt",
        "Answer with the label.",
        "-q",
    )
    assert result.returncode == 0, result.stderr
    stubs = tmp_path / "bin"
    stubs.mkdir()
    log = tmp_path / "calls.log"
    for tool in ("curl", "together", "gcloud"):
        stub = stubs / tool
        stub.write_text(f'#!/bin/sh\nprintf "{tool} %s\\n" "$*" >> "{log}"\n')
        stub.chmod(0o755)
    env = {**os.environ, "PATH": f"{stubs}:{os.environ['PATH']}", "OPENAI_API_KEY": "k"}
    for provider in ("openai", "together", "mistral", "vertex"):
        script = out / "export" / provider / "COMMANDS.sh"
        ran = subprocess.run(
            ["sh", str(script)], cwd=tmp_path, env=env, capture_output=True, text=True
        )
        assert ran.returncode == 0, (provider, ran.stderr)
    created = {p.name for p in tmp_path.rglob("pwned*")}
    assert created == set(), "a command in the folder name ran"
    calls = log.read_text()
    assert "file=@train.jsonl" in calls and "together files upload train.jsonl" in calls
    assert "gcloud storage cp train.jsonl" in calls
