"""Render lint results: grouped text, JSON, GitHub annotations, SARIF 2.1.0."""

from __future__ import annotations

import json
from collections import defaultdict

from advisor.linter.catalogue import load_catalogue
from advisor.linter.facts import DatasetFacts
from advisor.linter.findings import SEVERITY_RANK, Finding
from advisor.linter.rules import RULES
from advisor.linter.run import LintRun
from advisor.version import __version__

OUTPUT_FORMATS = ("text", "json", "github", "sarif")
_SHOWN_PER_RULE = 5


def render(run: LintRun, output_format: str, *, show_facts: bool = True) -> str:
    if output_format == "json":
        return run.report().model_dump_json(indent=2) + "\n"
    if output_format == "github":
        return render_github(run.findings)
    if output_format == "sarif":
        return json.dumps(render_sarif(run.findings), indent=2) + "\n"
    return render_text(run, show_facts=show_facts)


def _where(finding: Finding) -> str:
    return f"{finding.file}:{finding.line}" if finding.line is not None else finding.file


def render_text(run: LintRun, *, show_facts: bool = True) -> str:
    """Findings grouped by rule (worst first), the first few lines of each, then facts."""
    catalogue = load_catalogue()
    findings = run.findings
    # By rule and severity: a rule can report at a lower severity for some data
    # (D002 is an info in generation data, a warning for classification).
    groups: dict[tuple[str, str], list[Finding]] = defaultdict(list)
    for finding in findings:
        groups[(finding.code, finding.severity)].append(finding)
    order = sorted(groups, key=lambda key: (-SEVERITY_RANK[key[1]], key[0]))
    out: list[str] = []
    for code, severity in order:
        items = groups[(code, severity)]
        rule = catalogue.rules[code]
        fix = " [fixable]" if rule.fixable else ""
        out.append(f"{code} {rule.name} ({severity}){fix}: {len(items)} finding(s)")
        for finding in items[:_SHOWN_PER_RULE]:
            out.append(f"  {_where(finding)}: {finding.message}")
        if len(items) > _SHOWN_PER_RULE:
            out.append(f"  … and {len(items) - _SHOWN_PER_RULE} more (--format json lists all)")
        out.append("")
    if show_facts:
        for result in [*run.results, *([run.eval_result] if run.eval_result else [])]:
            out.extend(_facts_lines(result.facts))
            out.append("")
    report = run.report()
    s = report.summary
    if findings:
        out.append(
            f"Found {s['errors']} error(s), {s['warnings']} warning(s), {s['info']} info in "
            f"{s['files']} file(s). `advisor rule CODE` explains a rule."
        )
        held_out = run.eval_result.facts.file if run.eval_result is not None else None
        fixable = sum(1 for f in findings if f.fixable and f.file != held_out)
        eval_fixable = sum(1 for f in findings if f.fixable and f.file == held_out)
        if fixable:
            out.append(f"{fixable} finding(s) can be fixed safely with --fix OUTPUT.")
        if eval_fixable:
            out.append(
                f"{eval_fixable} finding(s) in the evaluation file can be fixed safely with "
                "--fix-eval OUTPUT (leaked rows dropped)."
            )
    else:
        out.append(f"All checks passed ({s['files']} file(s)).")
    return "\n".join(out) + "\n"


def _duplicates_text(facts: DatasetFacts) -> str:
    duplicates = facts.duplicates
    if duplicates is None:
        readers = [code for code, rule in RULES.items() if "keys" in rule.needs]
        return f"duplicates not checked (none of {', '.join(readers)} selected)"
    return (
        f"unique {facts.unique_examples:,} · exact duplicates {duplicates.exact:,} · "
        f"conflicting {duplicates.conflicting:,}"
        + (f" · near {duplicates.near:,}" if duplicates.near is not None else "")
        + (f" · semantic {duplicates.semantic:,}" if duplicates.semantic is not None else "")
        + (
            f" · leaked into eval {duplicates.leaked_into_eval:,}"
            if duplicates.leaked_into_eval
            else ""
        )
    )


def _facts_lines(facts: DatasetFacts) -> list[str]:
    kind = f" ({facts.kind})" if facts.kind and facts.kind not in (facts.format or "") else ""
    lines = [f"{facts.file}: {facts.format or 'unknown format'}{kind}"]
    lines.append(
        f"  examples {facts.examples:,} · valid {facts.valid_examples:,} · "
        + _duplicates_text(facts)
    )
    if facts.examples:
        t = facts.tokens_per_example
        m = facts.messages_per_example
        tokens = (
            f"tokens per example {t.min:g}–{t.max:g} (median {t.median:g}, p95 {t.p95:g})"
            if facts.tokens_counted
            else "tokens not counted (T001 not selected)"
        )
        lines.append(f"  messages per example {m.min:g}–{m.max:g} (median {m.median:g}) · {tokens}")
        if facts.kind not in ("text", "classification"):
            lines.append(
                f"  missing system message {facts.missing_system} · missing user message "
                f"{facts.missing_user}"
            )
    if facts.labels:
        top = ", ".join(f"{k}: {v}" for k, v in list(facts.labels.items())[:6])
        more = f", … ({len(facts.labels)} classes)" if len(facts.labels) > 6 else ""
        lines.append(f"  labels {top}{more}")
    cost = facts.cost
    if cost is not None:
        price = (
            f" ≈ ${cost.estimated_cost_usd:,.2f} at ${cost.price_per_million_usd:g}/1M"
            if cost.estimated_cost_usd is not None
            else " (no published price)"
        )
        lines.append(
            f"  {cost.model} ({cost.encoding}, limit {cost.token_limit:,}): "
            f"{facts.over_token_limit} over the limit · ~{cost.billable_tokens_per_epoch:,} "
            f"billable tokens × {cost.epochs} epochs = ~{cost.charged_tokens:,} charged{price}"
        )
    for note in facts.notes:
        lines.append(f"  note: {note}")
    return lines


def _escape_github(value: str, *, property_value: bool = False) -> str:
    value = value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if property_value:
        value = value.replace(":", "%3A").replace(",", "%2C")
    return value


def render_github(findings: list[Finding]) -> str:
    """GitHub Actions workflow commands: one annotation per finding."""
    levels = {"error": "error", "warning": "warning", "info": "notice"}
    out = []
    for finding in findings:
        props = f"file={_escape_github(finding.file, property_value=True)}"
        if finding.line is not None:
            props += f",line={finding.line}"
        props += f",title={_escape_github(finding.code, property_value=True)}"
        out.append(f"::{levels[finding.severity]} {props}::{_escape_github(finding.message)}")
    return "\n".join(out) + ("\n" if out else "")


def render_sarif(findings: list[Finding]) -> dict:
    """SARIF 2.1.0, the format code-scanning dashboards ingest."""
    catalogue = load_catalogue()
    levels = {"error": "error", "warning": "warning", "info": "note"}
    rules = [
        {
            "id": rule.code,
            "name": rule.name,
            "shortDescription": {"text": rule.what},
            "fullDescription": {"text": f"{rule.what} {rule.why}"},
            "helpUri": rule.source if rule.source.startswith("http") else None,
            "defaultConfiguration": {"level": levels[rule.severity]},
            "properties": {"family": rule.family, "fixable": rule.fixable},
        }
        for rule in catalogue.rules.values()
    ]
    for rule in rules:
        if rule["helpUri"] is None:
            del rule["helpUri"]
    results = []
    for finding in findings:
        location: dict = {"artifactLocation": {"uri": finding.file}}
        if finding.line is not None:
            location["region"] = {"startLine": finding.line}
        results.append(
            {
                "ruleId": finding.code,
                "level": levels[finding.severity],
                "message": {"text": finding.message},
                "locations": [{"physicalLocation": location}],
            }
        )
    return {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "advisor",
                        "version": __version__,
                        "rules": rules,
                    }
                },
                "results": results,
            }
        ],
    }
