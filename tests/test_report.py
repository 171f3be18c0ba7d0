"""The HTML report, rendered by the real CLI and opened in a real headless Chromium."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from tests.helpers import REPO, invoke

ARTIFACTS = REPO / "artifacts"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="module")
def browser():  # type: ignore[no-untyped-def]
    if CHROMIUM is None:
        pytest.fail(
            "Debian's chromium is missing: `make test` installs it (apt-get install chromium)"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield instance
        instance.close()


def open_report(browser, path: Path, width: int = 1100) -> dict:  # type: ignore[no-untyped-def]
    """Load the page; collect console errors, dialogs and every request made."""
    page = browser.new_page(viewport={"width": width, "height": 900})
    events: dict[str, list[str]] = {"console": [], "dialogs": [], "requests": [], "errors": []}
    page.on("console", lambda m: events["console"].append(f"{m.type}: {m.text}"))
    page.on("pageerror", lambda e: events["errors"].append(str(e)))

    def on_dialog(dialog) -> None:  # type: ignore[no-untyped-def]
        events["dialogs"].append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    page.on("request", lambda r: events["requests"].append(r.url))
    page.goto(path.resolve().as_uri())
    page.wait_for_load_state("load")
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / f"{path.stem}-{width}.png"
    page.screenshot(path=str(shot), full_page=True)
    events["shot"] = [str(shot)]
    events["text"] = [page.inner_text("body")]
    events["verdict"] = [page.inner_text("#verdict")]
    events["scripts"] = [str(page.evaluate("document.scripts.length"))]
    page.close()
    return events


def assert_inert(events: dict, path: Path) -> None:
    assert events["dialogs"] == []
    assert events["errors"] == []
    assert [c for c in events["console"] if c.startswith("error")] == []
    assert events["requests"] == [path.resolve().as_uri()]  # nothing but the page itself
    assert events["scripts"] == ["0"]
    assert Path(events["shot"][0]).stat().st_size > 10_000


def test_example_report_in_a_browser(browser, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    example = REPO / "examples" / "banking-intents"
    output = tmp_path / "example-report.html"
    twin = tmp_path / "example-report.json"
    result = invoke(
        "report",
        "--answers",
        str(example / "usecase.toml"),
        "--dataset",
        str(example / "train.csv"),
        "--eval",
        str(example / "valid.csv"),
        "-o",
        str(output),
        "--json",
        str(twin),
        "-q",
    )
    assert result.returncode == 0, result.stderr
    data = json.loads(twin.read_text())
    events = open_report(browser, output)
    assert_inert(events, output)
    primary = data["recommendation"]["primary"]
    names = {
        "prompting": "Prompting",
        "rag": "RAG",
        "fine_tune": "Fine-tuning",
        "rag_and_fine_tune": "RAG + fine-tuning",
    }
    assert events["verdict"][0].startswith(names[primary])
    text = events["text"][0]
    assert f"{data['lint']['facts']['examples']}" in text
    assert f"{data['lint']['facts']['cost']['billable_tokens_per_epoch']:,}" in text
    for item in data["provenance"]["inputs"]:
        assert item["sha256"] in text
    # Readable at phone width too.
    assert_inert(open_report(browser, output, width=390), output)


def test_clean_real_dataset_report(browser, real_data: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    answers = tmp_path / "drone.toml"
    answers.write_text(
        'task_type = "extraction"\nneeds_consistent_style_or_format = true\n'
        'labelled_examples = 103\nexample_quality = "high"\nprompt_engineering_tried = true\n'
        "prompting_meets_quality_bar = false\n"
    )
    output = tmp_path / "drone-report.html"
    result = invoke(
        "report",
        "--answers",
        str(answers),
        "--dataset",
        str(real_data / "openai-cookbook" / "drone_training.jsonl"),
        "-o",
        str(output),
        "-q",
    )
    assert result.returncode == 0, result.stderr
    events = open_report(browser, output)
    assert_inert(events, output)
    assert "Fine-tuning" in events["verdict"][0]
    assert "103" in events["text"][0]


VECTORS = [
    "<script>alert('xss-script')</script>",
    "<img src=x onerror=alert('xss-img')>",
    "\"><svg onload=alert('xss-svg')>",
    "javascript:alert('xss-href')",
    "</style><script>alert('xss-style')</script>",
    '<iframe src="https://evil.example/"></iframe>',
    "{{ name }}<b onmouseover=alert(1)>x</b>",
]


def test_hostile_inputs_show_literally_and_run_nothing(browser, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "<svg onload=alert(1)>"
    folder.mkdir()
    data = folder / "train.jsonl"
    rows = []
    for index, vector in enumerate(VECTORS):
        rows.append(
            {
                "messages": [
                    {"role": vector, "content": f"{vector} {{{{x}}}}"},
                    {"role": "assistant", "content": vector},
                ]
            }
        )
        rows.append(
            {
                "messages": [
                    {"role": "user", "content": vector},
                    {"role": "assistant", "content": f"ok {index}"},
                ]
            }
        )
        rows.append(
            {
                "messages": [
                    {"role": "user", "content": vector},
                    {"role": "assistant", "content": f"ok {index}"},
                ]
            }
        )
    data.write_text(
        "\n".join(json.dumps(r) for r in rows) + "\n<script>alert('raw-line')</script>\n"
    )
    answers = folder / "answers.toml"
    answers.write_text('task_type = "generation"\nprompt_engineering_tried = true\n')
    policy = folder / "policy.toml"
    policy.write_text(
        '[[rule]]\nid = "hostile-policy"\n'
        f"reason = {json.dumps(VECTORS[0] + ' ' + VECTORS[4])}\n"
        f"source = {json.dumps(VECTORS[3])}\n"
    )
    output = tmp_path / "hostile.html"
    result = invoke(
        "report",
        "--answers",
        str(answers),
        "--dataset",
        str(data),
        "--rules",
        str(policy),
        "-o",
        str(output),
        "-q",
    )
    assert result.returncode == 0, result.stderr
    html = output.read_text()
    for raw in ("<script>alert", "<img src=x", "<svg onload", "<iframe", "<b onmouseover"):
        assert raw not in html  # every vector is escaped
    assert 'href="javascript:' not in html
    events = open_report(browser, output)
    assert_inert(events, output)
    text = events["text"][0]
    assert "<script>alert('xss-script')</script>" in text  # shown literally
    assert "javascript:alert('xss-href')" in text
    assert str(folder) in text


def test_check_lints_recommends_and_reports_in_one_go(browser, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    example = REPO / "examples" / "banking-intents"
    partial = tmp_path / "partial.toml"
    partial.write_text('task_type = "classification"\nprompt_engineering_tried = true\n')
    output = tmp_path / "check.html"
    result = invoke(
        "check", str(example / "train.csv"), "--answers", str(partial), "-o", str(output), "-q"
    )
    assert result.returncode == 0, result.stderr
    assert "No terminal to ask in: using defaults for" in result.stderr
    assert "Recommendation:" in result.stdout
    events = open_report(browser, output)
    assert_inert(events, output)
    assert "(default)" in events["text"][0]


def test_hostile_answers_are_refused_before_any_html(tmp_path: Path) -> None:
    answers = tmp_path / "answers.toml"
    answers.write_text(
        'task_type = "<script>alert(1)</script>"\nbudget = "<img src=x onerror=alert(2)>"\n'
    )
    output = tmp_path / "never.html"
    result = invoke("report", "--answers", str(answers), "-o", str(output))
    assert result.returncode == 2
    assert "task_type" in result.stderr and "Traceback" not in result.stderr
    assert not output.exists()


def test_heading_levels_never_skip(tmp_path: Path) -> None:
    import re
    from itertools import pairwise

    example = REPO / "examples" / "banking-intents"
    output = tmp_path / "r.html"
    invoke(
        "report",
        "--answers",
        str(example / "usecase.toml"),
        "--dataset",
        str(example / "train.csv"),
        "-o",
        str(output),
        "-q",
    )
    levels = [int(level) for level in re.findall(r"<h([1-6])[ >]", output.read_text())]
    assert levels[0] == 1
    for before, after in pairwise(levels):
        assert after <= before + 1, levels


def test_the_example_report_in_docs_is_current(tmp_path: Path) -> None:
    """docs/example-report.html (linked from the README) is what `make docs` writes now."""
    example = "examples/banking-intents"
    page, twin = tmp_path / "example-report.html", tmp_path / "example-report.json"
    result = invoke(
        "report",
        "--answers",
        f"{example}/usecase.toml",
        "--dataset",
        f"{example}/train.csv",
        "--eval",
        f"{example}/valid.csv",
        "-q",
        "-o",
        str(page),
        "--json",
        str(twin),
        cwd=REPO,
    )
    assert result.returncode == 0, result.stderr
    stamp = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00")
    for made, kept in ((page, "example-report.html"), (twin, "example-report.json")):
        fresh = stamp.sub("TIME", made.read_text(encoding="utf-8"))
        committed = stamp.sub("TIME", (REPO / "docs" / kept).read_text(encoding="utf-8"))
        assert fresh == committed, f"docs/{kept} is stale: run `make docs`"


LAYOUT_CHECK = (Path(__file__).parent / "layout_check.js").read_text(encoding="utf-8")


def test_report_fits_phone_and_desktop_widths(browser, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """At 390 and 1280 px: no horizontal overflow, no text under 11 px, no chart label
    outside its chart, nothing spilling out of its card, even with long paths and
    many long class names."""
    folder = tmp_path / ("a-rather-long-folder-name-for-the-team-datasets" * 2)
    folder.mkdir()
    data = folder / "customer_support_intents_training_split_v2.csv"
    labels = [f"customer_wants_to_{word}_their_account_settings" for word in "abcdefghij"]
    rows = [
        f"please help me with request {i} about {labels[i % 10]},{labels[i % 10]}"
        for i in range(240)
    ]
    data.write_text("text,label\n" + "\n".join(rows) + "\n")
    answers = tmp_path / "usecase.toml"
    answers.write_text(
        'task_type = "classification"\nlabelled_examples = 240\nrequests_per_month = 500000\n'
    )
    page_path = tmp_path / "wide.html"
    made = invoke(
        "report", "--answers", str(answers), "--dataset", str(data), "-o", str(page_path), "-q"
    )
    assert made.returncode == 0, made.stderr
    example = REPO / "docs" / "example-report.html"
    for path in (page_path, example):
        for width in (390, 1280):
            page = browser.new_page(viewport={"width": width, "height": 900})
            page.goto(path.resolve().as_uri())
            page.wait_for_load_state("load")
            found = page.evaluate(LAYOUT_CHECK)
            page.close()
            where = f"{path.name} at {width} px"
            assert found["overflow"] <= 0, (where, found["overflow"])
            assert found["small"] == [], (where, found["small"][:5])
            assert found["clipped"] == [], (where, found["clipped"][:5])
            assert found["spill"] == [], (where, found["spill"][:5])


def test_the_report_says_tokens_were_not_counted_instead_of_showing_zeros() -> None:
    """A lint without T001 (`[tool.advisor] select = ["F"]`) counts no tokens; the
    page says so rather than printing 0 / 0 / 0 as if measured."""
    import json

    from advisor.report.html import render_html

    data = json.loads((REPO / "docs" / "example-report.json").read_text(encoding="utf-8"))
    assert "Tokens per example" in render_html(data)
    for facts in (data["lint"]["facts"], data["lint"]["eval_facts"]):
        facts["tokens_counted"] = False
    html = render_html(data)
    assert "not counted (T001 not selected)" in html
    assert html.count("not counted") == 4  # tokens and the limit, training and evaluation


def test_the_report_says_duplicates_were_not_checked_instead_of_showing_zeros() -> None:
    """A lint that selected no rule reading duplicates (`select = ["F"]`) leaves them
    null; the page says "not checked" in every duplicate row, both files."""
    import json

    from advisor.report.html import render_html

    data = json.loads((REPO / "docs" / "example-report.json").read_text(encoding="utf-8"))
    assert render_html(data).count("not checked") == 2  # semantic: off in the example
    for facts in (data["lint"]["facts"], data["lint"]["eval_facts"]):
        facts.update(duplicates=None, unique_examples=None, duplicate_rate=None)
    data["measured_facts"]["unique_examples"] = None
    html = render_html(data)
    # unique, counted by the advice (training only), exact, near, semantic, conflicting
    # in both columns, and the evaluation file's leaks
    assert html.count("not checked") == 12
    assert ">None<" not in html
