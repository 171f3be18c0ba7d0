"""Never pass silently, through the installed console script: a mistyped rule code is
an error with a suggestion, and the same data gives the same findings of a rule
whatever else is selected."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from tests.helpers import run_console_script

QUESTIONS = [
    "How do I reset the password of my online banking account from the mobile app?",
    "What are your opening hours on public holidays in the city centre branch?",
    "Can I order a replacement debit card online if mine was stolen yesterday?",
]


def chat(question: str, answer: str) -> str:
    return json.dumps(
        {
            "messages": [
                {"role": "user", "content": question},
                {"role": "assistant", "content": answer},
            ]
        }
    )


@pytest.fixture
def dirty(tmp_path: Path) -> Path:
    path = tmp_path / "dirty.jsonl"
    path.write_text('{"messages": [{"role": "user", "content": "Hi"}]}\n{oops\n')
    return path


@pytest.mark.parametrize(
    ("flag", "value", "suggestion"),
    [("--select", "D3", "D003"), ("--ignore", "F00l", "F001"), ("--select", "X", "")],
)
def test_unknown_rule_pattern_is_an_error_not_a_clean_pass(
    dirty: Path, flag: str, value: str, suggestion: str
) -> None:
    result = run_console_script("lint", str(dirty), flag, value)
    assert result.returncode == 2, result.stdout
    assert "not a rule code or prefix" in result.stderr and "All checks passed" not in result.stdout
    assert suggestion in result.stderr


def test_unknown_pattern_in_pyproject_is_an_error(dirty: Path, tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.advisor]\nignore = ["Q06"]\n')
    result = run_console_script("lint", str(dirty), cwd=tmp_path)
    assert result.returncode == 2
    assert "[tool.advisor] ignore" in result.stderr and "Q006" in result.stderr


def test_a_rules_findings_do_not_depend_on_what_else_is_selected(tmp_path: Path) -> None:
    train = tmp_path / "train.jsonl"
    valid = tmp_path / "valid.jsonl"
    train.write_text("".join(chat(q, f"Answer {i}.") + "\n" for i, q in enumerate(QUESTIONS)))
    # a near (not identical) copy of a training input leaks into the evaluation file
    valid.write_text(chat(QUESTIONS[0].replace("?", " ?"), "Open Settings.") + "\n")

    def leaks(*selection: str) -> list[tuple[int, str]]:
        args = ["lint", str(train), "--eval", str(valid), "--format", "json", *selection]
        report = json.loads(run_console_script(*args).stdout)
        return [(f["line"], f["kind"]) for f in report["findings"] if f["code"] == "D003"]

    everything = leaks()
    assert everything == [(1, "leak")]
    assert leaks("--select", "D003") == everything
    assert leaks("--ignore", "D004") == everything
    assert leaks("--no-near") == []  # the way to skip the near level's cost, said out loud


def test_a_folder_lints_its_datasets_and_says_what_it_passed_over(tmp_path: Path) -> None:
    folder = tmp_path / "banking"
    folder.mkdir()
    rows = "".join(f"how do I do thing {i}?,intent_{i % 2}\n" for i in range(60))
    (folder / "train.csv").write_text("text,label\n" + rows)
    (folder / "LICENSE.txt").write_text("Creative Commons Attribution 4.0\n")
    (folder / "README.md").write_text("# banking\n")
    (folder / "categories.json").write_text('["intent_0", "intent_1"]\n')
    result = run_console_script("lint", str(folder), "--format", "json")
    assert result.returncode == 0, result.stdout
    assert [f["file"] for f in json.loads(result.stdout)["files"]] == [str(folder / "train.csv")]
    assert "3 file(s)" in result.stderr and "-v" in result.stderr
    verbose = run_console_script("lint", str(folder), "-v", "-q")
    for name in ("LICENSE.txt", "README.md", "categories.json"):
        assert f"not linted: {folder / name}" in verbose.stderr
    only = run_console_script("lint", str(folder), "--include", "*.md", "--format", "json")
    assert [f["file"] for f in json.loads(only.stdout)["files"]] == [str(folder / "README.md")]
    empty = tmp_path / "docs"
    empty.mkdir()
    (empty / "notes.txt").write_text("hello\n")
    nothing = run_console_script("lint", str(empty))
    assert nothing.returncode == 2 and "no dataset files" in nothing.stderr


def test_an_output_that_cannot_be_written_is_a_plain_error(dirty: Path) -> None:
    for target, reason in [
        ("/proc/advisor-out.txt", "cannot write"),
        (f"{dirty}/x.txt", "is a file"),
    ]:
        result = run_console_script("lint", str(dirty), "-o", target)
        assert result.returncode == 2, result.stderr
        assert reason in result.stderr and "internal error" not in result.stderr


def test_a_folder_given_as_the_dataset_is_a_usage_error(tmp_path: Path) -> None:
    answers = tmp_path / "usecase.toml"
    answers.write_text('task_type = "qa"\n')
    for command in (
        ["recommend", "--answers", str(answers), "--dataset", str(tmp_path)],
        ["report", "--answers", str(answers), "--dataset", str(tmp_path)],
        ["check", str(tmp_path)],
    ):
        result = run_console_script(*command)
        assert result.returncode == 2 and "is a directory" in result.stderr, command
        assert "internal error" not in result.stderr


def test_a_closed_pipe_ends_quietly() -> None:
    from tests.helpers import advisor_executable

    process = subprocess.Popen(
        [*advisor_executable(), "rules", "--format", "json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stdout is not None
    process.stdout.close()  # like `| head -1` that has read what it wanted
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 141 and stderr == b""


@pytest.mark.parametrize(
    "condition",
    ["not " * 3000 + "needs_citations", " or ".join(["needs_citations"] * 400), "(" * 500 + "x"],
    ids=["deep-not", "long-or", "parentheses"],
)
def test_an_absurd_policy_condition_is_refused_with_a_reason(
    condition: str, tmp_path: Path
) -> None:
    answers = tmp_path / "usecase.toml"
    answers.write_text('task_type = "qa"\n')
    policy = tmp_path / "policy.toml"
    policy.write_text(
        f'[[rule]]\nid = "scripted"\nwhen = "{condition}"\nscores = {{ rag = 1 }}\n'
        'reason = "A policy rule written by a script."\nsource = "https://example.com/p"\n'
    )
    result = run_console_script("recommend", "--answers", str(answers), "--rules", str(policy))
    assert result.returncode == 2, result.stdout
    assert "scripted" in result.stderr and "internal error" not in result.stderr
    assert "nested too deeply" in result.stderr or "split it into several rules" in result.stderr


def test_ctrl_c_during_a_parallel_lint_exits_130_quietly_and_leaves_no_process(
    tmp_path: Path,
) -> None:
    from tests.helpers import advisor_executable, as_in_a_terminal

    big = tmp_path / "big.jsonl"
    row = chat("How do I reset the password of my account? " * 8, "Open Settings. " * 20)
    big.write_text("".join(row.replace("account", f"account {i}") + "\n" for i in range(9000)))
    assert big.stat().st_size > 4_000_000  # large enough for worker processes
    for _ in range(4):
        process = subprocess.Popen(
            [*advisor_executable(), "lint", str(big), "-q"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            preexec_fn=as_in_a_terminal,
        )
        workers: list[str] = []
        deadline = time.monotonic() + 30
        while len(workers) < 2 and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.05)
            found = subprocess.run(
                ["pgrep", "-P", str(process.pid)], capture_output=True, text=True
            )
            workers = found.stdout.split()
        time.sleep(0.3)
        started = time.monotonic()
        # a terminal's Ctrl-C reaches the whole process group
        for pid in [process.pid, *map(int, workers)]:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGINT)
        _, stderr = process.communicate(timeout=30)
        assert time.monotonic() - started < 2.0
        assert process.returncode == 130, stderr
        assert stderr == "advisor: interrupted.\n"
        assert [pid for pid in workers if Path(f"/proc/{pid}").exists()] == []


QUALIFYING = (
    'task_type = "generation"\nlabelled_examples = 200\nprompt_engineering_tried = true\n'
    "prompting_meets_quality_bar = false\nneeds_consistent_style_or_format = true\n"
)


def rows_with_duplicates(path: Path, unique: int, copies: int) -> Path:
    lines = [
        chat(f"Rewrite note {i} about the quarterly budget in our house style.", f"Note {i}: done.")
        for i in range(unique)
    ]
    path.write_text("\n".join(lines + lines[:copies]) + "\n")
    return path


@pytest.mark.parametrize(("copies", "expected"), [(20, "medium"), (80, "low")])
def test_measured_quality_does_not_depend_on_the_claim(
    copies: int, expected: str, tmp_path: Path
) -> None:
    data = rows_with_duplicates(tmp_path / "train.jsonl", 120, copies)
    measured = set()
    for claim in ("medium", "high"):
        answers = tmp_path / f"{claim}.toml"
        answers.write_text(QUALIFYING + f'example_quality = "{claim}"\n')
        args = ["recommend", "--answers", str(answers), "--dataset", str(data), "--format", "json"]
        result = run_console_script(*args)
        measured.add(json.loads(result.stdout)["usecase"]["example_quality"])
    assert measured == {expected}


def test_the_gate_names_what_blocks_and_what_to_do(tmp_path: Path) -> None:
    data = rows_with_duplicates(tmp_path / "train.jsonl", 120, 80)
    answers = tmp_path / "usecase.toml"
    answers.write_text(QUALIFYING + 'example_quality = "high"\n')
    result = run_console_script(
        "train", "--answers", str(answers), "--dataset", str(data), "--out", str(tmp_path / "run")
    )
    assert result.returncode == 1, result.stderr
    reasons = result.stderr
    assert reasons.index("[low-quality-data] rules fine-tuning out") < reasons.index("--force")
    assert f"advisor lint {data} --fix {tmp_path / 'train.clean.jsonl'}" in reasons
    assert "example_quality" not in reasons and "labelled_examples" not in reasons


def test_next_steps_use_the_facts_and_the_real_paths(tmp_path: Path) -> None:
    data = rows_with_duplicates(tmp_path / "train.jsonl", 150, 20)
    answers = tmp_path / "usecase.toml"
    answers.write_text(QUALIFYING + 'example_quality = "high"\n')
    args = ["recommend", "--answers", str(answers), "--dataset", str(data), "--format", "json"]
    steps = json.loads(run_console_script(*args).stdout)["recommendation"]["next_steps"]
    assert not any("Collect at least 50" in step for step in steps)  # 150 unique examples
    assert any(f"advisor lint {data} --fix" in step for step in steps)
    assert not any(" DATA " in step or "cleaned.jsonl" in step for step in steps)


@pytest.mark.parametrize(
    ("answer", "accepted", "said"),
    [
        ("labeled_examples = 12", False, "did you mean 'labelled_examples'"),
        ("labelled_examples = true", False, "labelled_examples"),
        ('task_type = "Classification"', True, '"task_type": "classification"'),
        ('prompting_meets_quality_bar = "unknown"', True, '"prompting_meets_quality_bar": null'),
    ],
)
def test_answer_files_are_read_as_people_write_them(
    answer: str, accepted: bool, said: str, tmp_path: Path
) -> None:
    answers = tmp_path / "usecase.toml"
    answers.write_text(answer + "\n")
    result = run_console_script("recommend", "--answers", str(answers), "--format", "json")
    assert result.returncode == (0 if accepted else 2), result.stderr
    assert said in (result.stdout if accepted else result.stderr)


def fake_run(folder: Path, dataset: Path, helped: bool) -> Path:
    """A classifier run folder as `advisor train` writes it (only what the report reads)."""
    from advisor.fsutil import file_sha256

    folder.mkdir()
    model = {
        "accuracy": 1.0,
        "macro_f1": 1.0,
        "ci95": {"accuracy": [0.82, 1.0], "macro_f1": [1, 1]},
    }
    metrics = {
        "backend": "classifier",
        "models": {"fine_tuned": model, "baseline_frozen": model},
        "helped": helped,
        "verdict": "no measurable difference",
        "held_out_examples": 18,
        "forced": False,
    }
    (folder / "metrics.json").write_text(json.dumps(metrics))
    config = {"dataset": str(dataset), "dataset_sha256": file_sha256(dataset)}
    (folder / "config.json").write_text(json.dumps(config))
    return folder


def test_an_attached_run_sets_the_headline_and_must_match_the_dataset(tmp_path: Path) -> None:
    data = rows_with_duplicates(tmp_path / "train.jsonl", 60, 0)
    answers = tmp_path / "usecase.toml"
    answers.write_text(QUALIFYING + 'example_quality = "high"\n')
    run = fake_run(tmp_path / "run", data, helped=False)
    page = tmp_path / "r.html"
    args = ["report", "--answers", str(answers), "--run", str(run), "-o", str(page), "-q"]
    shown = run_console_script(*args, "--dataset", str(data))
    assert shown.returncode == 0, shown.stderr
    html = page.read_text()
    assert "Fine-tuning did not beat the baseline on held-out data" in html
    assert "same dataset (SHA-256 matches)" in html
    other = rows_with_duplicates(tmp_path / "other.jsonl", 61, 0)
    refused = run_console_script(*args, "--dataset", str(other))
    assert refused.returncode == 2 and "was trained on" in refused.stderr
    unchecked = run_console_script(*args)
    assert unchecked.returncode == 0 and "not checked (no --dataset given)" in page.read_text()


def test_the_report_numbers_agree_and_speak_plainly(tmp_path: Path) -> None:
    data = rows_with_duplicates(tmp_path / "train.jsonl", 120, 40)  # 40 exact clusters
    answers = tmp_path / "usecase.toml"
    answers.write_text(QUALIFYING + 'example_quality = "high"\n')
    page = tmp_path / "r.html"
    result = run_console_script(
        "report", "--answers", str(answers), "--dataset", str(data), "-o", str(page), "-q"
    )
    assert result.returncode == 0, result.stderr
    html = page.read_text()
    assert "40 cluster(s); the first 12 are shown" in html
    assert "… and 28 more cluster(s)" in html
    assert 'id="fact-unique">120<' in html and 'id="fact-counted">120<' in html
    # the answers as given, with what was measured instead
    assert "200<br><strong>Measured instead: 120</strong>" in html
    text = run_console_script("recommend", "--answers", str(answers), "--dataset", str(data))
    assert "fine_tune" not in text.stdout and "rag_and_fine_tune" not in text.stdout


def test_ctrl_c_in_ask_keeps_the_answers_and_says_how_to_resume(tmp_path: Path) -> None:
    from tests.helpers import advisor_executable, as_in_a_terminal

    output = tmp_path / "usecase.toml"
    progress = tmp_path / "usecase.toml.partial"
    process = subprocess.Popen(
        [*advisor_executable(), "ask", "-o", str(output)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=as_in_a_terminal,
    )
    assert process.stdin is not None
    process.stdin.write("classification\nmonthly\n")
    process.stdin.flush()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and "monthly" not in (
        progress.read_text() if progress.exists() else ""
    ):
        time.sleep(0.05)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=30)
    assert process.returncode == 130
    assert f"advisor ask -o {output}` resumes" in stderr and "Traceback" not in stderr
    assert 'task_type = "classification"' in progress.read_text() and not output.exists()


def test_the_score_chart_says_when_the_longest_bar_is_ruled_out(tmp_path: Path) -> None:
    answers = tmp_path / "usecase.toml"
    answers.write_text(
        'task_type = "extraction"\nneeds_consistent_style_or_format = true\n'
        'labelled_examples = 5000\nexample_quality = "high"\nprompt_engineering_tried = true\n'
        "prompting_meets_quality_bar = false\nfine_tuning_available = false\n"
    )
    page = tmp_path / "r.html"
    result = run_console_script("report", "--answers", str(answers), "-o", str(page), "-q")
    assert result.returncode == 0, result.stderr
    html = page.read_text()
    assert "Fine-tuning scores highest but is ruled out (by fine-tuning-unavailable)" in html
    assert '<strong class="ruled-out">ruled out</strong>' in html


def test_the_report_shows_the_two_axes_and_the_cost_chart(tmp_path: Path) -> None:
    answers = tmp_path / "usecase.toml"
    answers.write_text(
        'task_type = "generation"\nprompt_engineering_tried = true\n'
        "prompting_meets_quality_bar = true\nrequests_per_month = 2000000\n"
        "input_tokens_per_request = 800\noutput_tokens_per_request = 250\n"
    )
    page = tmp_path / "r.html"
    result = run_console_script("report", "--answers", str(answers), "-o", str(page), "-q")
    assert result.returncode == 0, result.stderr
    html = page.read_text()
    assert 'id="axes"' in html and "What the model must know" in html and "How it must act" in html
    assert 'id="cost"' in html and "pays for itself above <strong>77,534</strong>" in html
