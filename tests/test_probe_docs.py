"""`advisor probe-docs` through the installed console script: volume, change rate
(git history and modification times), retrieval recall, unreadable files named,
and measurements that replace the answers in recommend and the report."""

from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path

import pytest

from tests.helpers import run_console_script

TOPICS = {
    "refunds": "Refunds are issued within 30 days of delivery. Refunds go back to the "
    "original payment method within 5 business days.",
    "shipping": "Standard shipping takes 3 to 5 business days. Express shipping arrives "
    "the next business day if ordered before 2 pm.",
    "warranty": "Every appliance carries a two-year warranty covering manufacturing "
    "defects. Damage from misuse is not covered.",
    "accounts": "To reset your password, open Settings, choose Security and follow the "
    "link sent by e-mail.",
}
QUESTIONS = [
    {"question": "How long do refunds take to reach my card?", "answer": "within 5 business days"},
    {"question": "When does express shipping arrive?", "answer": "next business day"},
    {"question": "What does the warranty cover?", "source": "warranty.md"},
    {"question": "How do I reset my password?", "answer": "choose Security"},
]


@pytest.fixture
def docs(tmp_path: Path) -> Path:
    folder = tmp_path / "docs"
    folder.mkdir()
    for name, text in TOPICS.items():
        (folder / f"{name}.md").write_text(f"# {name.title()}\n\n" + (text + " ") * 3 + "\n")
    (folder / "faq.html").write_text(
        "<html><head><script>alert('x')</script></head><body><p>Gift cards never expire."
        "</p></body></html>"
    )
    (folder / "broken.txt").write_bytes(b"\xff\xfe\x00 not utf-8")
    (folder / "manual.pdf").write_bytes(b"%PDF-1.4 damaged")
    (folder / "logo.png").write_bytes(b"\x89PNG")
    return folder


def probe(folder: Path, out: Path, *extra: str) -> dict:
    result = run_console_script("probe-docs", str(folder), "-o", str(out), "-q", *extra)
    assert result.returncode == 0, result.stderr
    return json.loads(out.read_text())


def test_probe_measures_volume_names_unreadable_files_and_keeps_going(
    docs: Path, tmp_path: Path
) -> None:
    found = probe(docs, tmp_path / "docs.json")
    assert found["files"] == 5  # four Markdown pages and the HTML page
    assert found["not_documents"] == 1  # the PNG
    assert {Path(u["file"]).name for u in found["unreadable"]} == {"broken.txt", "manual.pdf"}
    assert 100 < found["tokens"] < 1000 and found["fits_in_prompt"] is True
    assert found["proprietary_knowledge_volume"] == "small"
    assert found["change"]["measured_from"] == "modification times"


def test_probe_reads_the_change_rate_from_git(docs: Path, tmp_path: Path) -> None:
    def git(*args: str, when: float | None = None) -> None:
        env = {
            **os.environ,
            "GIT_AUTHOR_NAME": "t",
            "GIT_AUTHOR_EMAIL": "t@example.com",
            "GIT_COMMITTER_NAME": "t",
            "GIT_COMMITTER_EMAIL": "t@example.com",
        }
        if when is not None:
            stamp = f"@{int(when)} +0000"
            env |= {"GIT_AUTHOR_DATE": stamp, "GIT_COMMITTER_DATE": stamp}
        subprocess.run(["git", *args], cwd=docs, env=env, check=True, capture_output=True)

    git("init", "-q")
    now = time.time()
    for week in range(52):  # a commit a week for a year: about 4.3 a month
        (docs / "refunds.md").write_text(f"# Refunds\n\nRevision {week}.\n")
        git("add", ".")
        git("commit", "-q", "-m", f"week {week}", when=now - (week + 1) * 7 * 86400 + 3600)
    found = probe(docs, tmp_path / "docs.json")
    assert found["change"]["measured_from"] == "git"
    assert found["change"]["knowledge_changes"] == "weekly"


def test_probe_measures_retrieval_and_the_advice_follows_it(docs: Path, tmp_path: Path) -> None:
    questions = tmp_path / "qa.jsonl"
    questions.write_text("\n".join(json.dumps(q) for q in QUESTIONS) + "\n")
    out = tmp_path / "docs.json"
    found = probe(docs, out, "--questions", str(questions))
    retrieval = found["retrieval"]
    assert retrieval["questions"] == 4 and set(retrieval["recall"]) == {"dense", "bm25", "hybrid"}
    assert retrieval["retrieval_quality"] == "good" and retrieval["misses"] == []
    answers = tmp_path / "usecase.toml"
    answers.write_text(
        'task_type = "qa"\nproprietary_knowledge_volume = "large"\n'
        'knowledge_changes = "weekly"\nprompt_engineering_tried = true\n'
    )
    claimed = json.loads(
        run_console_script("recommend", "--answers", str(answers), "--format", "json").stdout
    )
    measured = run_console_script(
        "recommend", "--answers", str(answers), "--docs", str(out), "--format", "json"
    )
    advice = json.loads(measured.stdout)
    assert claimed["recommendation"]["primary"] == "rag"
    assert advice["recommendation"]["primary"] == "prompting"  # it all fits in the prompt
    assert advice["usecase"]["proprietary_knowledge_volume"] == "small"
    assert any("the documents measure small" in n for n in advice["recommendation"]["notes"])
    page = tmp_path / "r.html"
    shown = run_console_script(
        "report", "--answers", str(answers), "--docs", str(out), "-o", str(page), "-q"
    )
    assert shown.returncode == 0, shown.stderr
    html = page.read_text()
    assert "Documents measured" in html and "alert(" not in html.split("<body")[1]


def test_probe_refuses_bad_questions_with_the_line(docs: Path, tmp_path: Path) -> None:
    questions = tmp_path / "qa.jsonl"
    questions.write_text('{"question": "ok?", "answer": "yes"}\n{"question": "no answer"}\n')
    result = run_console_script(
        "probe-docs", str(docs), "--questions", str(questions), "-o", str(tmp_path / "d.json")
    )
    assert result.returncode == 2 and f"{questions}:2" in result.stderr
