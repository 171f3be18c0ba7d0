"""`advisor ask` through the real console script in a pseudo-terminal."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import time
import tomllib
from pathlib import Path

from advisor.advice.questionnaire import run_questionnaire
from advisor.advice.usecase import UseCase
from tests.helpers import advisor_executable


class Terminal:
    """The real `advisor` on a pseudo-terminal: read until a prompt, type an answer."""

    def __init__(self, *args: str, cwd: Path) -> None:
        self.master, slave = pty.openpty()
        self.process = subprocess.Popen(
            [*advisor_executable(), *args], stdin=slave, stdout=slave, stderr=slave, cwd=cwd
        )
        os.close(slave)
        self.screen = ""

    def expect(self, text: str, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while text not in self.screen:
            remaining = deadline - time.monotonic()
            assert remaining > 0, f"{text!r} never appeared; screen:\n{self.screen}"
            ready, _, _ = select.select([self.master], [], [], remaining)
            if ready:
                try:
                    chunk = os.read(self.master, 4096).decode(errors="replace")
                except OSError:
                    chunk = ""
                self.screen += chunk
                if not chunk and self.process.poll() is not None:
                    assert text in self.screen, f"{text!r} never appeared:\n{self.screen}"

    def type(self, answer: str) -> None:
        self.screen = ""
        os.write(self.master, (answer + "\n").encode())

    def close(self) -> int:
        code = self.process.wait(timeout=30)
        os.close(self.master)
        return code


def test_interactive_questionnaire_in_a_terminal(tmp_path: Path) -> None:
    term = Terminal("ask", "-o", "usecase.toml", cwd=tmp_path)
    term.expect("What does the model produce?")
    term.type("?")  # help, then the same question again
    term.expect("free text")
    term.expect("What does the model produce?")
    term.type("classif")  # an unambiguous prefix
    term.expect("How often does the knowledge")
    term.type("sometimes")  # not a choice: explained and asked again
    term.expect("choose one of")
    term.type("never")
    term.expect("How much private knowledge")
    term.type("none")  # makes the retrieval question irrelevant: skipped
    term.expect("cite their sources")
    term.type("no")
    term.expect("How many labelled")
    term.type("lots")
    term.expect("whole number")
    term.type("1,200")
    term.expect("How good are those examples?")
    term.type("high")
    term.expect("Have you tried careful prompting")
    term.type("yes")
    term.expect("already meet your quality bar")
    term.type("no")
    for question in (
        "consistent style",
        "specialised terminology",
        "latency or cost",
        "requests a month",  # 0 (unknown) skips the two token questions
        "infrastructure you control",
        "ML engineering expertise",
        "budget",
        "Can you fine-tune",
    ):
        term.expect(question)
        term.type("")  # Enter keeps the default
    term.expect("Wrote usecase.toml")
    assert term.close() == 0
    written = tomllib.loads((tmp_path / "usecase.toml").read_text())
    assert written["task_type"] == "classification"
    assert written["labelled_examples"] == 1200
    assert written["prompting_meets_quality_bar"] is False
    assert written["fine_tuning_available"] is True
    assert "retrieval_quality" in written  # skipped, so written with its default


def test_partial_answers_file_only_asks_what_is_missing(tmp_path: Path) -> None:
    partial = tmp_path / "partial.toml"
    fields = {name: value for name, value in UseCase().model_dump().items() if value is not None}
    del fields["budget"]
    partial.write_text(
        "\n".join(
            f"{k} = {str(v).lower() if isinstance(v, bool) else repr(v).replace(chr(39), chr(34))}"
            for k, v in fields.items()
        )
        + "\n"
    )
    term = Terminal("ask", "--answers", str(partial), "-o", "out.json", cwd=tmp_path)
    term.expect("What is the budget")
    assert "What does the model produce" not in term.screen
    term.type("high")
    term.expect("Wrote out.json")
    assert term.close() == 0
    assert '"budget": "high"' in (tmp_path / "out.json").read_text()


def test_closed_input_is_a_clear_error(tmp_path: Path) -> None:
    result = subprocess.run(
        [*advisor_executable(), "ask", "-o", str(tmp_path / "x.toml")],
        input="qa\n",
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "standard input ended" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "x.toml").exists()


def test_questionnaire_skips_irrelevant_questions() -> None:
    asked: list[str] = []
    answers = iter(["qa", "never", "none", "no", "0", "no", "", "", "", "", "", "", "", ""])

    def ask(prompt: str) -> str:
        asked.append(prompt)
        return next(answers)

    usecase = run_questionnaire(ask, lambda _: None)
    assert not any("How good are those examples" in p for p in asked)  # 0 examples
    assert not any("quality bar" in p for p in asked)  # prompting not tried
    assert not any("retrieval" in p for p in asked)  # no private knowledge
    assert not any("tokens per request" in p for p in asked)  # volume unknown
    assert usecase.task_type == "qa"
