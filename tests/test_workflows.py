"""The library is the command line: every command is one workflow call, each option
is declared once (in a settings field), and the same call gives the same result
from either side, ``[tool.advisor]`` included."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import click
import pytest

import advisor
from advisor import api
from advisor.cli import cli
from advisor.cli.options import cli_fields
from advisor.cli.reference import CONFIG_END, CONFIG_START, cli_reference, with_config_table
from advisor.errors import UsageError
from advisor.linter.settings import LintOptions
from advisor.settings import flat_fields, resolve
from advisor.train.settings import TrainSettings
from advisor.workflows import settings as workflow_settings
from tests.helpers import REPO, invoke

# Each command and the library call that does the same work.
COMMAND_CALLS = {
    "lint": api.lint,
    "dups": api.dups,
    "rule": api.explain,
    "rules": api.lint_rules,
    "ask": api.run_session,
    "recommend": api.advise,
    "report": api.report,
    "check": api.check_dataset,
    "baseline": api.baseline,
    "probe-docs": api.probe,
    "train": api.train,
}

# Each command and the settings class its options are generated from.
COMMAND_SETTINGS = {
    "lint": workflow_settings.LintSettings,
    "dups": workflow_settings.DupsSettings,
    "rule": workflow_settings.RuleSettings,
    "rules": workflow_settings.RulesSettings,
    "ask": workflow_settings.AskSettings,
    "recommend": workflow_settings.AdviseSettings,
    "report": workflow_settings.ReportSettings,
    "check": workflow_settings.CheckSettings,
    "baseline": workflow_settings.BaselineSettings,
    "probe-docs": workflow_settings.ProbeSettings,
    "train": TrainSettings,
}

DIRTY = (
    '{"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]}\n'
    * 3
    + '{"messages": [{"role": "user", "content": "Hi"}]}\n{oops\n'
)


def test_every_command_has_a_library_call() -> None:
    assert set(cli.commands) == set(COMMAND_CALLS) == set(COMMAND_SETTINGS)
    for name, call in COMMAND_CALLS.items():
        assert callable(call) and call.__name__ in api.__all__, name


def test_every_option_of_every_command_comes_from_its_settings() -> None:
    """Flags, defaults and help are the settings field's; nothing is declared twice."""
    for name, settings in COMMAND_SETTINGS.items():
        command = cli.commands[name]
        params = {p.name: p for p in command.params if "--help" not in getattr(p, "opts", ())}
        fields = {item.name: item for item in flat_fields(settings)}
        assert set(params) <= set(fields), (name, set(params) - set(fields))
        for param_name, param in params.items():
            item = fields[param_name]
            if isinstance(param, click.Argument):
                assert item.setting.argument, (name, param_name)
                continue
            assert isinstance(param, click.Option)
            assert param.help == item.setting.help, (name, param_name)
            assert tuple(param.opts + param.secondary_opts) == item.flag_names, (name, param_name)
            expected = None if item.required else item.default
            assert param.default == expected, (name, param_name, param.default, expected)
        shown = {item.name for item in cli_fields(settings)}
        assert set(params) <= shown


def test_the_command_line_modules_write_no_default_of_their_own() -> None:
    """No click.option/argument is written by hand in advisor/cli: all are generated."""
    for path in (REPO / "advisor" / "cli").glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                written = node.func.attr in {"option", "argument"}
                if written and path.name != "options.py":
                    pytest.fail(f"{path.name}:{node.lineno} declares a click option by hand")


def test_the_lora_and_export_options_are_nested_not_mirrored() -> None:
    names = [item.name for item in flat_fields(TrainSettings)]
    assert len(names) == len(set(names))
    settings = resolve(
        TrainSettings,
        {
            "answers": "a.toml",
            "dataset": "d.jsonl",
            "out": "run",
            "batch_size": 4,
            "submit": "openai",
        },
    )
    assert settings.lora.batch_size == 4 and settings.export.submit == "openai"
    recorded = settings.recorded("lora")
    assert recorded["batch_size"] == 4 and recorded["alpha"] == 2 * recorded["rank"]


def test_resolve_refuses_unknown_and_wrong_values() -> None:
    with pytest.raises(UsageError, match="unknown"):
        resolve(LintOptions, {"selekt": ["F"]})
    with pytest.raises(UsageError, match="epochs"):
        resolve(LintOptions, {"epochs": 0})
    with pytest.raises(UsageError, match="semantic_tier"):
        resolve(LintOptions, {"semantic_tier": "medium"})
    assert resolve(LintOptions, {"select": "F"}).select == ("F",)


def test_library_and_command_give_the_same_findings_in_a_configured_project(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tmp_path / "train.jsonl"
    data.write_text(DIRTY, encoding="utf-8")
    (tmp_path / "pyproject.toml").write_text(
        '[tool.advisor]\nignore = ["F008"]\nselect = ["F", "D"]\nmodel = "gpt-4.1-mini"\n',
        encoding="utf-8",
    )
    command = invoke("lint", str(data), "--format", "json", cwd=tmp_path)
    monkeypatch.chdir(tmp_path)
    library = advisor.lint(data)
    from_cli = json.loads(command.stdout)
    assert from_cli["findings"] == [f.model_dump() for f in library.findings]
    assert {f["code"] for f in from_cli["findings"]} == {"F001", "D001"}  # F008 ignored
    assert from_cli["facts"] == library.facts.model_dump()
    # The same keyword overrides the table on both sides.
    overridden = invoke("lint", str(data), "--format", "json", "--ignore", "F001", cwd=tmp_path)
    keyword = advisor.lint(data, ignore=["F001"])
    assert json.loads(overridden.stdout)["findings"] == [f.model_dump() for f in keyword.findings]
    assert "F008" in {f.code for f in keyword.findings}
    assert advisor.lint(data, no_config=True).summary["errors"] >= 2


def test_the_configured_fail_on_and_format_apply_until_a_flag_overrides(tmp_path: Path) -> None:
    data = tmp_path / "train.jsonl"
    data.write_text(DIRTY, encoding="utf-8")
    (tmp_path / "pyproject.toml").write_text(
        '[tool.advisor]\nfail-on = "never"\noutput-format = "json"\n', encoding="utf-8"
    )
    configured = invoke("lint", str(data), cwd=tmp_path)
    assert configured.returncode == 0 and json.loads(configured.stdout)["summary"]["errors"]
    flagged = invoke("lint", str(data), "--fail-on", "error", "-f", "text", cwd=tmp_path)
    assert flagged.returncode == 1 and "F001" in flagged.stdout


def test_an_unknown_config_key_names_the_file_and_the_known_keys(tmp_path: Path) -> None:
    data = tmp_path / "train.jsonl"
    data.write_text(DIRTY, encoding="utf-8")
    (tmp_path / "pyproject.toml").write_text('[tool.advisor]\nselekt = ["F"]\n')
    result = invoke("lint", str(data), cwd=tmp_path)
    assert result.returncode == 2
    assert "pyproject.toml" in result.stderr and "selekt" in result.stderr
    assert "select" in result.stderr


def test_the_library_writes_the_report_the_command_writes(tmp_path: Path) -> None:
    example = REPO / "examples" / "banking-intents"
    by_command = tmp_path / "cli.json"
    invoke(
        "report",
        "--answers",
        str(example / "usecase.toml"),
        "--dataset",
        str(example / "train.csv"),
        "-o",
        str(tmp_path / "cli.html"),
        "--json",
        str(by_command),
        cwd=tmp_path,
    )
    outcome = api.report(
        example / "usecase.toml",
        dataset=example / "train.csv",
        output=tmp_path / "lib.html",
        json_output=tmp_path / "lib.json",
    )
    assert outcome.html.is_file()
    from_cli = json.loads(by_command.read_text(encoding="utf-8"))
    from_library = json.loads((tmp_path / "lib.json").read_text(encoding="utf-8"))
    for volatile in ("generated_at", "generated"):
        from_cli.pop(volatile, None)
        from_library.pop(volatile, None)
    assert from_cli["recommendation"] == from_library["recommendation"]
    assert from_cli["measured_facts"] == from_library["measured_facts"]


def test_the_cli_reference_and_the_config_keys_are_current() -> None:
    reference = (REPO / "docs" / "cli.md").read_text(encoding="utf-8")
    assert reference == cli_reference(), "docs/cli.md is stale: python -m advisor.cli.reference"
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert CONFIG_START in readme and CONFIG_END in readme
    assert readme == with_config_table(readme), "README's config keys are stale"
    for key in ("fail-on", "extend-ignore", "embedding-model", "rules"):
        assert f"| `{key}` |" in readme


def test_a_stale_reference_is_caught() -> None:
    stale = f"intro\n{CONFIG_START}\n| `old-key` | string |  | gone |\n{CONFIG_END}\n"
    assert with_config_table(stale) != stale


def test_fix_options_that_cannot_work_are_refused_before_any_work(tmp_path: Path) -> None:
    """`lint DIR --fix OUT` used to lint everything, then end in "internal error"
    (click's UsageError raised inside the command): now a usage error, first."""
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "train.jsonl").write_text(DIRTY, encoding="utf-8")
    out = tmp_path / "fixed.jsonl"
    result = invoke("lint", str(folder), "--fix", str(out))
    assert result.returncode == 2 and "--fix takes exactly one input file" in result.stderr
    assert "internal error" not in result.stderr and result.stdout == ""
    assert not out.exists()
    no_eval = invoke("lint", str(folder / "train.jsonl"), "--fix-eval", str(out))
    assert no_eval.returncode == 2 and "give --eval" in no_eval.stderr
    assert "internal error" not in no_eval.stderr
