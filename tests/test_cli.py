"""The CLI: in-process through click's CliRunner, plus a few runs of the installed
console script (start-up time, exit codes, output) as a user makes them."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.helpers import REPO, invoke, run_console_script

CLEAN = (
    "\n".join(
        json.dumps(
            {
                "messages": [
                    {"role": "user", "content": f"Q{i}"},
                    {"role": "assistant", "content": f"A{i}."},
                ]
            }
        )
        for i in range(60)
    )
    + "\n"
)


@pytest.fixture
def clean_file(tmp_path: Path) -> Path:
    path = tmp_path / "clean.jsonl"
    path.write_text(CLEAN)
    return path


@pytest.fixture
def dirty_file(tmp_path: Path) -> Path:
    path = tmp_path / "dirty.jsonl"
    path.write_text(CLEAN + '{"messages": [{"role": "user", "content": "Hi"}]}\n{oops\n')
    return path


def test_help_is_fast_and_imports_nothing_heavy() -> None:
    started = time.perf_counter()
    result = run_console_script("--help")
    elapsed = time.perf_counter() - started
    assert result.returncode == 0 and "lint" in result.stdout
    assert elapsed < 1.5, f"advisor --help took {elapsed:.2f}s"
    probe = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, advisor.cli; heavy = {'torch', 'sentence_transformers', 'tiktoken', "
            "'jsonschema', 'pydantic', 'numpy'} & set(sys.modules); print(sorted(heavy))",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert probe.stdout.strip() == "[]"


def test_clean_file_exits_0(clean_file: Path) -> None:
    result = run_console_script("lint", str(clean_file))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "All checks passed" in result.stdout
    assert "examples 60" in result.stdout


def test_errors_exit_1_with_lines(dirty_file: Path) -> None:
    result = run_console_script("lint", str(dirty_file))
    assert result.returncode == 1
    assert f"{dirty_file}:61" in result.stdout and "F008" in result.stdout
    assert f"{dirty_file}:62" in result.stdout and "F001" in result.stdout
    assert "Traceback" not in result.stderr


def test_unreadable_input_exits_2(tmp_path: Path) -> None:
    result = invoke("lint", str(tmp_path / "missing.jsonl"))
    assert result.returncode == 2
    assert "no such file" in result.stderr and "Traceback" not in result.stderr
    bad_option = invoke("lint", "--fail-on", "sometimes", str(tmp_path))
    assert bad_option.returncode == 2


def test_unknown_model_is_a_usage_error(clean_file: Path) -> None:
    result = invoke("lint", str(clean_file), "--model", "gpt-9")
    assert result.returncode == 2 and "Unknown model" in result.stderr


def test_select_ignore_and_fail_on(dirty_file: Path) -> None:
    only_format = invoke("lint", str(dirty_file), "--select", "F001", "--format", "json")
    codes = {f["code"] for f in json.loads(only_format.stdout)["findings"]}
    assert codes == {"F001"}
    ignored = invoke("lint", str(dirty_file), "--ignore", "F", "--format", "json")
    assert not any(f["code"].startswith("F") for f in json.loads(ignored.stdout)["findings"])
    assert ignored.returncode == 0
    warn = dirty_file.with_name("warn.jsonl")
    warn.write_text(
        CLEAN
        + json.dumps(
            {
                "messages": [
                    {"role": "user", "content": "Hi"},
                    {"role": "assistant", "content": "Hello "},
                    {"role": "user", "content": "?"},
                ]
            }
        )
        + "\n"
    )
    assert invoke("lint", str(warn)).returncode == 0
    assert invoke("lint", str(warn), "--fail-on", "warning").returncode == 1
    assert invoke("lint", str(warn), "--fail-on", "info", "--ignore", "F010,Q006").returncode == 0


def test_json_contract(dirty_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "report.json"
    result = invoke("lint", str(dirty_file), "--format", "json", "-o", str(out))
    assert result.returncode == 1 and result.stdout == ""
    report = json.loads(out.read_text())
    assert set(report) >= {"findings", "facts", "files", "summary", "advisor_version"}
    finding = report["findings"][0]
    assert set(finding) >= {"code", "severity", "line", "message", "file"}
    facts = report["facts"]
    for key in ("examples", "format", "tokens_per_example", "duplicates", "cost"):
        assert key in facts
    assert facts["examples"] == 62 and facts["format"] == "openai-chat"
    assert facts["cost"]["estimated_cost_usd"] > 0


def test_python_api_mirrors_json(dirty_file: Path) -> None:
    import advisor

    report = advisor.lint(dirty_file)
    cli_report = json.loads(invoke("lint", str(dirty_file), "--format", "json").stdout)
    assert [f.model_dump() for f in report.findings] == cli_report["findings"]
    assert report.facts.model_dump() == cli_report["facts"]


def test_github_and_sarif(dirty_file: Path) -> None:
    github = invoke("lint", str(dirty_file), "--format", "github").stdout.splitlines()
    assert any(
        line.startswith(f"::error file={dirty_file},line=62,title=F001::") for line in github
    )
    sarif = json.loads(invoke("lint", str(dirty_file), "--format", "sarif").stdout)
    assert sarif["version"] == "2.1.0"
    results = sarif["runs"][0]["results"]
    assert {"ruleId": "F001", "level": "error"}.items() <= results[-1].items() or any(
        r["ruleId"] == "F001" for r in results
    )
    rule_ids = {r["id"] for r in sarif["runs"][0]["tool"]["driver"]["rules"]}
    assert "D001" in rule_ids


def test_fix_writes_a_copy_and_leaves_the_input(tmp_path: Path) -> None:
    source = tmp_path / "train.jsonl"
    source.write_text(CLEAN + CLEAN.splitlines()[0] + "\n")
    before = source.read_bytes()
    output = tmp_path / "fixed.jsonl"
    result = invoke("lint", str(source), "--fix", str(output))
    assert source.read_bytes() == before
    assert "dropped 1 duplicate" in result.stderr
    assert output.read_text() == CLEAN
    same = invoke("lint", str(source), "--fix", str(source))
    assert same.returncode == 2 and "overwrite" in same.stderr
    assert source.read_bytes() == before


def test_directory_and_eval(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "a.jsonl").write_text(CLEAN)
    (folder / "b.jsonl").write_text(CLEAN)
    (folder / "notes.md").write_text("not data")
    result = invoke("lint", str(folder), "--format", "json")
    report = json.loads(result.stdout)
    assert [Path(f["file"]).name for f in report["files"]] == ["a.jsonl", "b.jsonl"]
    leak = invoke(
        "lint", str(folder / "a.jsonl"), "--eval", str(folder / "b.jsonl"), "--format", "json"
    )
    assert leak.returncode == 1
    assert json.loads(leak.stdout)["eval_facts"]["duplicates"]["leaked_into_eval"] == 60


def test_pyproject_configuration(tmp_path: Path, dirty_file: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.advisor]\nignore = ["F001", "F008"]\nfail-on = "error"\n'
    )
    result = invoke("lint", str(dirty_file), cwd=tmp_path)
    assert result.returncode == 0, result.stdout
    isolated = invoke("lint", str(dirty_file), "--no-config", cwd=tmp_path)
    assert isolated.returncode == 1
    (tmp_path / "pyproject.toml").write_text('[tool.advisor]\nfail-on = "sometimes"\n')
    broken = invoke("lint", str(dirty_file), cwd=tmp_path)
    assert broken.returncode == 2 and "pyproject.toml" in broken.stderr


def test_rule_and_rules() -> None:
    explained = invoke("rule", "F006")
    assert explained.returncode == 0
    for heading in ("What it does", "Why it matters", "Source", "Example", "Fix"):
        assert heading in explained.stdout
    by_name = invoke("rule", "exact-duplicate")
    assert "D001" in by_name.stdout and "safe fix" in by_name.stdout
    unknown = invoke("rule", "X999")
    assert unknown.returncode == 2
    catalogue = invoke("rules")
    assert "F001" in catalogue.stdout and "P004" in catalogue.stdout
    listed = json.loads(invoke("rules", "--format", "json").stdout)
    assert len(listed) >= 40


def test_clirunner_matches_the_console_script(dirty_file: Path) -> None:
    args = ("lint", str(dirty_file), "--format", "json")
    in_process, script = invoke(*args), run_console_script(*args)
    assert (in_process.returncode, in_process.stdout) == (script.returncode, script.stdout)


def test_utf16_file_gives_a_finding_not_a_traceback(tmp_path: Path) -> None:
    path = tmp_path / "excel.jsonl"
    path.write_text(CLEAN, encoding="utf-16")
    result = invoke("lint", str(path))
    assert result.returncode == 1
    assert "F018" in result.stdout and "UTF-16" in result.stdout
    assert "Traceback" not in result.stderr


def test_readme_rule_table_is_generated_from_the_catalogue() -> None:
    from advisor.linter.catalogue import load_catalogue
    from advisor.linter.docs import with_rule_table

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert readme == with_rule_table(readme, load_catalogue()), (
        "README's rule table is stale: run `python -m advisor.linter.docs README.md`"
    )


def test_stale_rule_table_is_detected() -> None:
    from advisor.linter.catalogue import load_catalogue
    from advisor.linter.docs import README_END, README_START, with_rule_table

    stale = f"intro\n{README_START}\n| F001 | invalid-json | error |  | old words |\n{README_END}\n"
    fresh = with_rule_table(stale, load_catalogue())
    assert fresh != stale and "| P004 | card-number |" in fresh and fresh.startswith("intro\n")


LEAK_TRAIN = "".join(
    json.dumps({"prompt": f"What is item {i}?", "completion": f"Item {i} is a tool."}) + "\n"
    for i in range(12)
)
LEAK_EVAL = (
    json.dumps({"prompt": "What is item 3?", "completion": "A tool."})
    + "\n"
    + json.dumps({"prompt": "What is item 99?", "completion": "Unknown."})
    + "\n"
)


def test_fix_eval_writes_a_leak_free_evaluation_copy(tmp_path: Path) -> None:
    train, held = tmp_path / "train.jsonl", tmp_path / "valid.jsonl"
    train.write_text(LEAK_TRAIN)
    held.write_text(LEAK_EVAL)
    clean = tmp_path / "valid.noleaks.jsonl"
    result = invoke("lint", str(train), "--eval", str(held), "--fix-eval", str(clean))
    assert result.returncode == 1  # the leak is still an error in the inputs
    assert "1 finding(s) in the evaluation file can be fixed safely with --fix-eval" in (
        result.stdout
    )
    assert clean.read_text() == LEAK_EVAL.splitlines(keepends=True)[1]
    assert held.read_text() == LEAK_EVAL  # the input is untouched
    assert invoke("lint", str(train), "--eval", str(clean)).returncode == 0


def test_drop_leaks_from_train_drops_the_training_match(tmp_path: Path) -> None:
    train, held = tmp_path / "train.jsonl", tmp_path / "valid.jsonl"
    train.write_text(LEAK_TRAIN)
    held.write_text(LEAK_EVAL)
    fixed = tmp_path / "train.fixed.jsonl"
    result = invoke(
        "lint", str(train), "--eval", str(held), "--drop-leaks-from", "train", "--fix", str(fixed)
    )
    assert "leak source" in result.stderr
    rows = LEAK_TRAIN.splitlines(keepends=True)
    assert fixed.read_text() == "".join(rows[:3] + rows[4:])
    assert invoke("lint", str(fixed), "--eval", str(held)).returncode == 0


def test_leak_fix_options_need_their_files(tmp_path: Path) -> None:
    train = tmp_path / "train.jsonl"
    train.write_text(LEAK_TRAIN)
    missing_eval = invoke("lint", str(train), "--fix-eval", str(tmp_path / "x.jsonl"))
    assert missing_eval.returncode == 2 and "give --eval" in missing_eval.stderr
    no_fix = invoke("lint", str(train), "--eval", str(train), "--drop-leaks-from", "train")
    assert no_fix.returncode == 2 and "give --eval and --fix" in no_fix.stderr
    same = invoke("lint", str(train), "--eval", str(train), "--fix-eval", str(train))
    assert same.returncode == 2 and "Traceback" not in same.stderr
