"""The rules engine: scenarios with cited expected advice, rule validation, CLI."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest

from advisor.advice import conditions
from advisor.advice.engine import field_types, load_rules, recommend
from advisor.advice.usecase import UseCase, parse_answers
from advisor.errors import RuleFileError
from tests.helpers import invoke

SCENARIOS = sorted((Path(__file__).parent / "scenarios").glob("*.toml"))


def test_there_are_at_least_30_scenarios() -> None:
    assert len(SCENARIOS) >= 30


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_scenario_advice_is_acceptable(path: Path) -> None:
    scenario = tomllib.loads(path.read_text())
    assert scenario["source"].startswith("https://") and scenario["why"]
    assert scenario.get("kind", "guidance") in ("guidance", "case-study")
    if scenario.get("kind") == "case-study":  # a published comparison: what was tried, what won
        assert scenario["tried"] and scenario["won"] and scenario["mapping"]
    loaded = parse_answers(scenario["usecase"], str(path))
    result = recommend(loaded.usecase, load_rules())
    assert result.primary in scenario["acceptable"], (
        f"{path.stem}: advised {result.primary}, acceptable {scenario['acceptable']}; "
        f"scores {result.scores}, blocked {result.blocked}"
    )


def test_every_rule_has_a_source_and_fires_somewhere() -> None:
    rules = load_rules()
    fired: set[str] = set()
    for path in SCENARIOS:
        usecase = parse_answers(tomllib.loads(path.read_text())["usecase"]).usecase
        fired.update(entry.rule for entry in recommend(usecase, rules, counterfactuals=False).trace)
    for rule in rules:
        assert rule.source.startswith("https://"), rule.id
    never = {r.id for r in rules} - fired - {"measured-duplicates", "measured-errors"}
    assert never == set()


def test_trace_explains_every_point() -> None:
    usecase = UseCase(
        task_type="classification", labelled_examples=500, prompt_engineering_tried=True
    )
    result = recommend(usecase, load_rules())
    # every point of each axis comes from a traced rule of that axis
    for axis, decision in result.axes.items():
        for option, total in decision.scores.items():
            assert total == sum(
                entry.scores.get(option, 0) for entry in result.trace if entry.axis == axis
            )
    # a strategy's score is its context option plus its behaviour option (plus any
    # rule that scores strategies directly)
    context, behaviour = result.axes["context"], result.axes["behaviour"]
    no_retrieval = max(context.scores["none"], context.scores["prompt"])
    direct = {
        s: sum(e.scores.get(s, 0) for e in result.trace if e.axis is None) for s in result.scores
    }
    assert result.scores["fine_tune"] == (
        no_retrieval + behaviour.scores["fine_tune"] + direct["fine_tune"]
    )
    assert result.scores["rag"] == (
        context.scores["retrieval"] + behaviour.scores["prompting"] + direct["rag"]
    )


def test_counterfactuals_change_the_advice() -> None:
    rules = load_rules()
    usecase = UseCase(prompt_engineering_tried=False)
    result = recommend(usecase, rules)
    assert result.primary == "prompting"
    assert result.counterfactuals
    for counterfactual in result.counterfactuals:
        changed = UseCase.model_validate({**usecase.model_dump(), **counterfactual.changes})
        assert recommend(changed, rules, counterfactuals=False).primary == counterfactual.strategy
        assert 1 <= len(counterfactual.changes) <= 2


@pytest.mark.parametrize(
    ("condition", "message"),
    [
        ("task_typ == 'qa'", "unknown field"),
        ("task_type == 'poetry'", "not a value"),
        ("labelled_examples > 'many'", "cannot be compared"),
        ("needs_citations == 3", "true or false"),
        ("task_type > 'qa'", "not a number"),
        ("task_type in 'qa'", "needs a list"),
        ("__import__('os')", "unknown field"),
        ("labelled_examples >= 10 and", "expected"),
    ],
)
def test_bad_conditions_are_rejected(condition: str, message: str) -> None:
    with pytest.raises(conditions.ConditionError, match=message):
        conditions.parse(condition, field_types())


def test_conditions_evaluate() -> None:
    types = field_types()
    node = conditions.parse(
        'knowledge_changes in ["weekly", "daily"] and not needs_citations'
        " or labelled_examples >= 100",
        types,
    )
    assert conditions.evaluate(
        node, {"knowledge_changes": "daily", "needs_citations": False, "labelled_examples": 0}
    )
    assert not conditions.evaluate(
        node, {"knowledge_changes": "never", "needs_citations": False, "labelled_examples": 5}
    )
    assert conditions.evaluate(
        node, {"knowledge_changes": "never", "needs_citations": True, "labelled_examples": 100}
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[[rule]]\nid = "x"\nreason = "a reason here"\n', "source"),
        (
            '[[rule]]\nid = "x"\nwhen = "nope == 1"\nreason = "a reason here"\nsource = "https://a.b/c"\n',
            "unknown field",
        ),
        (
            '[[rule]]\nid = "x"\nscores = { magic = 1 }\nreason = "a reason here"\nsource = "https://a.b/c"\n',
            "scores",
        ),
        (
            '[[rule]]\nid = "x"\nreason = "a reason here"\nsource = "https://a.b/c"\n'
            'exec = "rm -rf /"\n',
            "exec",
        ),
        ("[[rule\n", "cannot read"),
    ],
)
def test_malformed_rule_files_name_the_file_and_rule(
    tmp_path: Path, text: str, message: str
) -> None:
    path = tmp_path / "policy.toml"
    path.write_text(text)
    with pytest.raises(RuleFileError, match=message) as error:
        load_rules([path])
    assert "policy.toml" in str(error.value)


def test_company_policy_rule_can_rule_out_a_strategy(tmp_path: Path) -> None:
    (tmp_path / "policy.toml").write_text(
        '[[rule]]\nid = "no-customer-data-leaves"\nwhen = "privacy_requires_self_hosting"\n'
        'gate = ["rag"]\nreason = "Customer data may not leave our cloud."\n'
        'source = "https://intranet.example.com/policy/7"\n'
    )
    usecase = UseCase(
        task_type="qa",
        proprietary_knowledge_volume="large",
        knowledge_changes="daily",
        prompt_engineering_tried=True,
        privacy_requires_self_hosting=True,
    )
    assert recommend(usecase, load_rules()).primary == "rag"
    with_policy = recommend(usecase, load_rules([tmp_path]))
    assert with_policy.primary != "rag" and "no-customer-data-leaves" in with_policy.blocked["rag"]


def test_recommend_cli_text_and_json(tmp_path: Path) -> None:
    answers = tmp_path / "usecase.toml"
    answers.write_text(
        'task_type = "qa"\nknowledge_changes = "daily"\nproprietary_knowledge_volume = "large"\n'
        "prompt_engineering_tried = true\n"
    )
    text = invoke("recommend", "--answers", str(answers))
    assert text.returncode == 0, text.stderr
    assert "Recommendation: RAG" in text.stdout and "source: https://" in text.stdout
    assert "Not answered (defaults used)" in text.stdout
    data = json.loads(invoke("recommend", "--answers", str(answers), "--format", "json").stdout)
    rec = data["recommendation"]
    assert rec["primary"] == "rag"
    assert set(rec["scores"]) == {"prompting", "rag", "fine_tune", "rag_and_fine_tune"}
    assert rec["trace"] and rec["counterfactuals"]


def test_measured_facts_beat_claims(tmp_path: Path) -> None:
    answers = tmp_path / "usecase.json"
    answers.write_text(
        json.dumps(
            {
                "task_type": "generation",
                "labelled_examples": 2000,
                "example_quality": "high",
                "prompt_engineering_tried": True,
                "prompting_meets_quality_bar": False,
                "needs_consistent_style_or_format": True,
            }
        )
    )
    data = tmp_path / "train.jsonl"
    rows = [
        {"prompt": f"Write a haiku about topic {i % 20}", "completion": f"A haiku {i % 20}."}
        for i in range(40)
    ]
    data.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    result = invoke(
        "recommend", "--answers", str(answers), "--dataset", str(data), "--format", "json"
    )
    rec = json.loads(result.stdout)["recommendation"]
    assert rec["measured"]["labelled_examples"] == 20
    assert any("you said 2000" in note for note in rec["notes"])
    assert rec["primary"] == "prompting"  # 20 unique examples: not ready to fine-tune


@pytest.mark.parametrize(
    ("content", "suffix", "message"),
    [
        ('labelled_examples = "lots"\n', ".toml", "labelled_examples"),
        ('task_type = "poetry"\n', ".toml", "task_type"),
        ("unknown_field = 1\n", ".toml", "unknown_field"),
        ("task_type = \n", ".toml", "not valid TOML"),
        ('{"needs_citations": "maybe"}', ".json", "needs_citations"),
    ],
)
def test_bad_answer_files_exit_2(tmp_path: Path, content: str, suffix: str, message: str) -> None:
    answers = tmp_path / f"answers{suffix}"
    answers.write_text(content)
    result = invoke("recommend", "--answers", str(answers))
    assert result.returncode == 2
    assert message in result.stderr and "Traceback" not in result.stderr


def test_strategy_rules_listing() -> None:
    result = invoke("rules", "--strategy")
    assert "changing-knowledge" in result.stdout and "source: https://" in result.stdout


def test_bad_rule_file_through_the_cli_exits_2(tmp_path: Path) -> None:
    answers = tmp_path / "usecase.toml"
    answers.write_text('task_type = "qa"\n')
    policy = tmp_path / "policy.toml"
    policy.write_text('[[rule]]\nid = "p"\nwhen = "budget == \'huge\'"\nreason = "r" \n')
    result = invoke("recommend", "--answers", str(answers), "--rules", str(policy))
    assert result.returncode == 2
    assert "policy.toml" in result.stderr and "rule p" in result.stderr
    assert "Traceback" not in result.stderr


def test_policy_rules_from_pyproject(tmp_path: Path) -> None:
    (tmp_path / "policy").mkdir()
    (tmp_path / "policy" / "no-ft.toml").write_text(
        '[[rule]]\nid = "no-fine-tuning-here"\ngate = ["fine_tune", "rag_and_fine_tune"]\n'
        'reason = "Company policy: no custom models."\nsource = "https://intranet.example.com/p"\n'
    )
    (tmp_path / "pyproject.toml").write_text('[tool.advisor]\nrules = ["policy"]\n')
    (tmp_path / "usecase.toml").write_text(
        'task_type = "classification"\nlabelled_examples = 5000\nexample_quality = "high"\n'
        "prompt_engineering_tried = true\nprompting_meets_quality_bar = false\n"
    )
    result = invoke("recommend", "--answers", "usecase.toml", "--format", "json", cwd=tmp_path)
    rec = json.loads(result.stdout)["recommendation"]
    assert rec["primary"] not in ("fine_tune", "rag_and_fine_tune")
    assert "no-fine-tuning-here" in rec["blocked"]["fine_tune"]


def test_the_advice_is_the_quadrant_of_two_axes() -> None:
    from advisor.advice.strategies import strategy_of

    rules = load_rules()
    for path in SCENARIOS:
        usecase = parse_answers(tomllib.loads(path.read_text())["usecase"]).usecase
        result = recommend(usecase, rules, counterfactuals=False)
        quadrant = strategy_of(result.axes["context"].choice, result.axes["behaviour"].choice)
        if not result.blocked.get(quadrant):
            assert result.primary == quadrant, path.stem


def test_high_confidence_is_never_decided_by_a_contested_rule() -> None:
    import itertools

    rules = load_rules()
    settled = [rule for rule in rules if not rule.contested]
    grid = itertools.product(
        ["generation", "classification", "qa"],
        ["none", "small", "large"],
        [True, False],  # needs_consistent_style_or_format
        [True, False],  # latency_or_cost_sensitive
        [True, False],  # specialised_terminology
        [30, 300, 3000],
    )
    highs = 0
    for task, volume, style, latency, terms, examples in grid:
        usecase = UseCase(
            task_type=task,
            proprietary_knowledge_volume=volume,
            needs_consistent_style_or_format=style,
            latency_or_cost_sensitive=latency,
            specialised_terminology=terms,
            labelled_examples=examples,
            example_quality="high",
            prompt_engineering_tried=True,
        )
        result = recommend(usecase, rules, counterfactuals=False)
        if result.confidence == "high":
            highs += 1
            assert recommend(usecase, settled, counterfactuals=False).primary == result.primary
    assert highs > 0  # the property is exercised


def test_axes_are_in_the_json_and_the_text(tmp_path: Path) -> None:
    answers = tmp_path / "usecase.toml"
    answers.write_text(
        'task_type = "qa"\nproprietary_knowledge_volume = "large"\nknowledge_changes = "weekly"\n'
        "needs_citations = true\nneeds_consistent_style_or_format = true\n"
        'labelled_examples = 1000\nexample_quality = "high"\nprompt_engineering_tried = true\n'
    )
    payload = json.loads(invoke("recommend", "--answers", str(answers), "--format", "json").stdout)
    axes = payload["recommendation"]["axes"]
    assert (axes["context"]["choice"], axes["behaviour"]["choice"]) == ("retrieval", "fine_tune")
    assert payload["recommendation"]["primary"] == "rag_and_fine_tune"
    assert any(
        "would no longer be needed" in c["sentence"] for c in axes["context"]["counterfactuals"]
    )
    text = invoke("recommend", "--answers", str(answers)).stdout
    assert "What the model must know:  retrieval" in text and "How it must act:" in text


def test_cost_model_numbers_and_break_even(tmp_path: Path) -> None:
    """gpt-4.1 prompted vs gpt-4.1-mini fine-tuned at 2M requests of 800 in / 250 out
    tokens (prices from rules/providers.toml), worked by hand."""
    answers = tmp_path / "usecase.toml"
    answers.write_text(
        'task_type = "generation"\nprompt_engineering_tried = true\n'
        "prompting_meets_quality_bar = true\nrequests_per_month = 2000000\n"
        "input_tokens_per_request = 800\noutput_tokens_per_request = 250\n"
    )
    from tests.helpers import run_console_script

    result = run_console_script("recommend", "--answers", str(answers), "--format", "json")
    cost = json.loads(result.stdout)["recommendation"]["cost"]
    per_request_large = (800 * 2.00 + 250 * 8.00) / 1e6  # 0.0036
    per_request_tuned = (800 * 0.80 + 250 * 3.20) / 1e6  # 0.00144
    assert cost["strategies"]["prompting"]["monthly_usd"] == round(per_request_large * 2e6, 2)
    assert cost["strategies"]["fine_tune"]["monthly_usd"] == round(per_request_tuned * 2e6, 2)
    # 500 distillation examples generated by the large model, trained 3 epochs at $5/M,
    # plus the $2,000 engineering assumption
    one_off = 500 * per_request_large + 500 * 1050 * 3 * 5.00 / 1e6 + 2000
    assert cost["strategies"]["fine_tune"]["one_off_usd"] == round(one_off, 2)
    saving = per_request_large - per_request_tuned
    assert cost["break_even_requests_per_month"] == int(one_off / (12 * saving)) + 1
    assert cost["pays_back"] is True
    assert json.loads(result.stdout)["recommendation"]["primary"] == "fine_tune"  # distil
    text = run_console_script("recommend", "--answers", str(answers)).stdout
    assert "pays for itself above 77,534 requests a month" in text
