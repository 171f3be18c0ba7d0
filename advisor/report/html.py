"""The HTML recommendation report: one self-contained page from the report data.

The report only consumes the lint report and the recommendation; it decides
nothing. Everything from the dataset, the answers or rule files is data:
Jinja2 autoescapes it, links are only made from http(s) URLs, charts are inline
SVG built from numbers, and a Content-Security-Policy forbids any script,
remote request or embedded object.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlparse

from advisor.advice.strategies import AXIS_QUESTIONS, DISPLAY_NAMES, OPTION_NAMES
from advisor.advice.strategies import TITLE_NAMES as STRATEGY_NAMES
from advisor.linter.catalogue import load_catalogue
from advisor.linter.clusters import build_clusters
from advisor.linter.findings import Finding
from advisor.resources import reports_dir
from advisor.rulebook import FAMILIES


def safe_url(url: str) -> str | None:
    """A URL fit for href: http(s) only (no javascript:, data:, relative paths)."""
    parsed = urlparse(url.strip())
    if parsed.scheme in ("http", "https") and parsed.netloc:
        return url.strip()
    return None


# --------------------------------------------------------------------------- view model


def _score_bars(scores: dict[str, int], blocked: dict[str, list[str]]) -> dict[str, Any]:
    """Each strategy's score as a bar on a shared axis (percentages of the track: the
    chart is HTML, so its text keeps its size at any width)."""
    low = min(0, *scores.values())
    high = max(1, *scores.values())
    span = high - low or 1
    bars = []
    for strategy in STRATEGY_NAMES:
        value = scores.get(strategy, 0)
        bars.append(
            {
                "name": STRATEGY_NAMES[strategy],
                "value": value,
                "left": round((min(value, 0) - low) / span * 100, 2),
                "width": round(max(abs(value) / span * 100, 0.6), 2),
                "blocked": blocked.get(strategy) or [],
            }
        )
    best = max(bars, key=lambda bar: bar["value"])
    warning = None
    if best["blocked"]:
        warning = (
            f"{best['name']} scores highest but is ruled out (by {', '.join(best['blocked'])}); "
            "the recommendation is the best strategy that is not."
        )
    return {"bars": bars, "zero": round((0 - low) / span * 100, 2), "warning": warning}


def _cost_bars(cost: dict[str, Any] | None) -> dict[str, Any] | None:
    """Monthly cost per strategy as bars (widths relative to the dearest)."""
    if not cost:
        return None
    peak = max(item["monthly_usd"] for item in cost["strategies"].values()) or 1
    rows = [
        {
            "name": STRATEGY_NAMES[strategy],
            "monthly": item["monthly_usd"],
            "once": item["one_off_usd"],
            "width": round(max(item["monthly_usd"] / peak * 100, 0.6), 2),
        }
        for strategy, item in cost["strategies"].items()
    ]
    models = ", ".join(dict.fromkeys(item["model"] for item in cost["strategies"].values()))
    return {"data": cost, "rows": rows, "models": models}


def _histogram(facts: dict[str, Any]) -> dict[str, Any] | None:
    bins = facts.get("token_histogram") or []
    if not bins:
        return None
    limit = (facts.get("cost") or {}).get("token_limit")
    top = max(b["high"] for b in bins)
    scale_max = max(top, limit or 0) if limit and limit <= top * 1.5 else top
    width, height = 520.0, 140.0
    peak = max(b["count"] for b in bins) or 1
    bars = []
    for b in bins:
        x = b["low"] / scale_max * width
        w = max((b["high"] - b["low"]) / scale_max * width - 1, 1)
        h = b["count"] / peak * height
        bars.append(
            {"x": round(x, 1), "w": round(w, 1), "h": round(h, 1), "y": round(height - h, 1), **b}
        )
    marker = round(limit / scale_max * width, 1) if limit and limit <= scale_max else None
    return {
        "bars": bars,
        "width": width,
        "height": height,
        "limit": limit,
        "marker": marker,
        "max_label": scale_max,
        "beyond": bool(limit and limit > scale_max),
    }


def _balance(labels: dict[str, int] | None) -> dict[str, Any] | None:
    if not labels:
        return None
    items = sorted(labels.items(), key=lambda item: -item[1])
    shown = items[:30]
    peak = shown[0][1] or 1
    return {
        "rows": [
            {"label": label, "count": count, "width": round(count / peak * 100, 2)}
            for label, count in shown
        ],
        "hidden": len(items) - len(shown),
        "classes": len(items),
    }


def _finding_groups(lint: dict[str, Any]) -> list[dict[str, Any]]:
    catalogue = load_catalogue()
    by_code: dict[str, list[dict[str, Any]]] = {}
    for finding in lint.get("findings", []):
        by_code.setdefault(finding["code"], []).append(finding)
    families = []
    for letter in FAMILIES:
        codes = sorted(code for code in by_code if code.startswith(letter))
        if not codes:
            continue
        rules = []
        for code in codes:
            doc = catalogue.rules.get(code)
            items = by_code[code]
            rules.append(
                {
                    "code": code,
                    "name": doc.name if doc else code,
                    "severity": items[0]["severity"],
                    "count": len(items),
                    "what": doc.what if doc else "",
                    "why": doc.why if doc else "",
                    "source": doc.source if doc else "",
                    "source_url": safe_url(doc.source) if doc else None,
                    "first": items[:5],
                }
            )
        families.append(
            {
                "letter": letter,
                "name": FAMILIES[letter],
                "count": sum(r["count"] for r in rules),
                "rules": rules,
            }
        )
    return families


def view_model(data: dict[str, Any]) -> dict[str, Any]:
    """What the template needs, derived from the report data (numbers and text)."""
    recommendation = data["recommendation"]
    lint = data.get("lint")
    trace = [
        {**entry, "source_url": safe_url(entry["source"])} for entry in recommendation["trace"]
    ]
    view: dict[str, Any] = {
        "data": data,
        "names": STRATEGY_NAMES,
        "option_names": {**OPTION_NAMES, **DISPLAY_NAMES},
        "axis_names": AXIS_QUESTIONS,
        "primary": STRATEGY_NAMES[recommendation["primary"]],
        "runner_up": STRATEGY_NAMES.get(recommendation.get("runner_up") or ""),
        "scores": _score_bars(recommendation["scores"], recommendation["blocked"]),
        "cost": _cost_bars(recommendation.get("cost")),
        "trace": trace,
        "facts": None,
        "eval_facts": None,
        "histogram": None,
        "balance": None,
        "families": [],
        "clusters": [],
        "summary": None,
    }
    if lint:
        facts = lint.get("facts")
        view["facts"] = facts
        view["eval_facts"] = lint.get("eval_facts")
        view["summary"] = lint.get("summary")
        if facts:
            view["histogram"] = _histogram(facts)
            view["balance"] = _balance(facts.get("labels"))
        view["families"] = _finding_groups(lint)
        findings = [Finding(**f) for f in lint.get("findings", [])]
        clusters = build_clusters(findings)
        snippets = data.get("snippets", {})
        view["clusters"] = [
            {
                "keeper": cluster.keeper,
                "keeper_text": snippets.get(cluster.keeper.file, {}).get(str(cluster.keeper.line)),
                "members": [
                    {
                        "member": member,
                        "text": snippets.get(member.file, {}).get(str(member.line)),
                    }
                    for member in cluster.members[:4]
                ],
                "more": max(0, len(cluster.members) - 4),
            }
            for cluster in clusters.clusters[:12]
        ]
        view["cluster_total"] = len(clusters.clusters)
    return view


def _answer(value: Any) -> str:
    if value is None:
        return "unknown"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def render_html(data: dict[str, Any]) -> str:
    """The self-contained HTML page (inline CSS and SVG, no script)."""
    from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

    folder = reports_dir()
    environment = Environment(
        loader=FileSystemLoader(str(folder)),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["thousands"] = lambda n: f"{n:,}" if isinstance(n, int) else n
    environment.filters["answer"] = _answer
    css = (folder / "report.css").read_text(encoding="utf-8")
    if "</" in css:  # the stylesheet is ours, but never let it close the <style> element
        raise ValueError("report.css must not contain '</'")
    template = environment.get_template("report.html.j2")
    return template.render(css=css, **view_model(data))
