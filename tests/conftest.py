"""Shared fixtures: paths to the real datasets and a helper to run the real CLI."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED_DATA = Path(os.environ.get("ADVISOR_SHARED_DATA", REPO.parent / "shared" / "data"))


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The real public datasets (../shared/data); CI always has them beside the clone."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real datasets not found at {SHARED_DATA} (set ADVISOR_SHARED_DATA)")
    return SHARED_DATA


def advisor_executable() -> list[str]:
    """The installed console script, as a user runs it."""
    script = Path(sys.executable).with_name("advisor")
    if script.exists():
        return [str(script)]
    found = shutil.which("advisor")
    if found:
        return [found]
    raise RuntimeError("the `advisor` console script is not installed in this environment")


def run_advisor(
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


def interrupt_when(
    args: list[str], ready: Callable[[], bool], timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    """Start `advisor ARGS`, send it SIGINT (Ctrl-C) once ``ready()`` holds, and wait."""
    process = subprocess.Popen(
        [*advisor_executable(), *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
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
    """`advisor train --answers A --dataset D --out O ...` through the console script."""
    args = ["train", "--answers", str(answers), "--dataset", str(data), "--out", str(out)]
    return run_advisor(*args, *extra, env=env)


def report_run(
    answers: Path, run: Path, page: Path, dataset: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """`advisor report --run RUN -o PAGE -q` (with the dataset when given)."""
    data = ["--dataset", str(dataset)] if dataset else []
    return run_advisor(
        "report", "--answers", str(answers), *data, "--run", str(run), "-o", str(page), "-q"
    )
