"""The built wheel carries rules/ and reports/: an install outside the checkout works."""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def test_wheel_installed_in_a_fresh_venv_finds_its_data(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(dist),
            str(REPO),
        ],
        check=True,
        capture_output=True,
    )
    [wheel] = list(dist.glob("advisor-*.whl"))
    env_dir = tmp_path / "fresh"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "--no-deps", "--no-index", str(wheel)],
        check=True,
        capture_output=True,
    )
    # Dependencies come from this test environment's site-packages (which holds no
    # copy of advisor itself: the checkout is installed in editable mode).
    deps = sysconfig.get_paths()["purelib"]
    workdir = tmp_path / "elsewhere"
    workdir.mkdir()
    data = workdir / "train.jsonl"
    data.write_text('{"prompt": "Hi", "completion": "Hello"}\n')
    env = {**os.environ, "PYTHONPATH": deps}
    probe = subprocess.run(
        [
            str(python),
            "-c",
            "import advisor, advisor.resources as r; print(advisor.__file__); "
            "print(r.rules_dir())\ntry: print(r.reports_dir())\nexcept Exception: print('-')",
        ],
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    module_file, rules, reports = probe.stdout.split()
    assert str(env_dir) in module_file and str(REPO) not in module_file
    assert (Path(rules) / "lint_rules.toml").is_file() and str(REPO) not in rules
    shipped = sorted(p.name for p in (REPO / "reports").glob("*") if p.is_file())
    if shipped:  # report templates arrive with the report; until then nothing to ship
        assert str(REPO) not in reports
        assert shipped == sorted(p.name for p in Path(reports).iterdir() if p.is_file())
    run = subprocess.run(
        [str(env_dir / "bin" / "advisor"), "lint", str(data), "--format", "json"],
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
    )
    assert run.returncode == 1, run.stderr  # one example is below the provider minimum
    assert '"S001"' in run.stdout
