"""Helpers the tests share (imported as ``tests.helpers``; fixtures stay in conftest).

``invoke`` runs a command in-process through click's ``CliRunner`` (fast, and the
usual way); ``run_console_script`` starts the installed ``advisor`` script in a
new process, as a user does, for the few tests that need a real process
(start-up time, a terminal, signals, several processes).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from click.testing import CliRunner

REPO = Path(__file__).resolve().parent.parent
# Extracts of the real public datasets, vendored so a clone anywhere runs every test
# (tests/data/real/SOURCES.md says where each came from and how it was cut).
REAL_DATA = REPO / "tests" / "data" / "real"


@dataclass
class Ran:
    """What a command did: the same fields as ``subprocess.CompletedProcess``."""

    returncode: int
    stdout: str
    stderr: str


def invoke(
    *args: str,
    cwd: Path | None = None,
    input: str | None = None,
    env: dict[str, str] | None = None,
) -> Ran:
    """Run `advisor ARGS` in this process (``env`` adds variables, ``cwd`` is the
    working directory for the command's duration)."""
    from advisor.cli import cli

    runner = CliRunner()
    with contextlib.chdir(cwd) if cwd is not None else contextlib.nullcontext():
        result = runner.invoke(cli, list(args), input=input, env=env, prog_name="advisor")
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return Ran(result.exit_code, result.stdout, result.stderr)


def advisor_executable() -> list[str]:
    """The installed console script, as a user runs it."""
    script = Path(sys.executable).with_name("advisor")
    if script.exists():
        return [str(script)]
    found = shutil.which("advisor")
    if found:
        return [found]
    raise RuntimeError("the `advisor` console script is not installed in this environment")


def run_console_script(
    *args: str,
    cwd: Path | None = None,
    input: str | None = None,
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run the real `advisor` console script in a subprocess (``env`` adds variables)."""
    return subprocess.run(
        [*advisor_executable(), *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        input=input,
        timeout=600,
        env={**os.environ, **env} if env else None,
    )


def as_in_a_terminal() -> None:
    """``preexec_fn`` for a child that a test interrupts: Ctrl-C's default action, as
    in a terminal's foreground job. A test run started in the background (`cmd &`
    in a script, nohup) inherits SIGINT ignored, and so would every child: Python
    keeps an inherited "ignore", rightly, so the interrupt would never arrive."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def interrupt_when(
    args: list[str], ready: Callable[[], bool], timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    """Start `advisor ARGS`, send it SIGINT (Ctrl-C) once ``ready()`` holds, and wait."""
    process = subprocess.Popen(
        [*advisor_executable(), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=as_in_a_terminal,
    )
    deadline = time.monotonic() + timeout
    while not ready() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=timeout)
    return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)


def train_cli(
    answers: Path, data: Path, out: Path | str, *extra: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """`advisor train --answers A --dataset D --out O ...` through the console script
    (training installs signal handlers and may start processes: a real process)."""
    args = ["train", "--answers", str(answers), "--dataset", str(data), "--out", str(out)]
    return run_console_script(*args, *extra, env=env)


def report_run(answers: Path, run: Path, page: Path, dataset: Path | None = None) -> Ran:
    """`advisor report --run RUN -o PAGE -q` (with the dataset when given), in-process."""
    data = ["--dataset", str(dataset)] if dataset else []
    return invoke(
        "report", "--answers", str(answers), *data, "--run", str(run), "-o", str(page), "-q"
    )
