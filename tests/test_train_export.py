"""advisor train --backend export: provider files that lint clean with each
provider's profile, the exact commands, and --submit openai against a fake
OpenAI server on 127.0.0.1 (the key never lands in a file or a log)."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest

from tests.helpers import invoke, report_run, train_cli

QUALIFYING = (
    'task_type = "classification"\nlabelled_examples = 178\nexample_quality = "high"\n'
    "prompt_engineering_tried = true\nprompting_meets_quality_bar = false\n"
)
SECRET = "sk-test-advisor-0123456789abcdefSECRET"


@pytest.fixture
def routing(real_data: Path, tmp_path: Path) -> tuple[Path, Path]:
    source = real_data / "azure-legacy-prompt-completion"
    answers = tmp_path / "usecase.toml"
    answers.write_text(QUALIFYING)
    return source / "generated_labels_context_switching_prepared_train.jsonl", answers


def export(answers: Path, data: Path, out: Path, *extra: str, env: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    """`advisor train --backend export` with a system prompt for the prompt-only rows."""
    prompt = "Answer with the context label only."
    return train_cli(
        answers, data, out, "--backend", "export", "--system-prompt", prompt, *extra, env=env
    )


def test_every_provider_file_lints_clean_with_its_profile(
    routing: tuple[Path, Path], tmp_path: Path
) -> None:
    data, answers = routing
    out = tmp_path / "run"
    result = export(answers, data, out, "-q")
    assert result.returncode == 0, result.stderr
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["backend"] == "export" and metrics["forced"] is False
    assert metrics["models"] == {}
    models = {
        "openai": "gpt-4o-mini-2024-07-18",
        "together": "openai/gpt-oss-20b",
        "mistral": "open-mistral-nemo",
        "vertex": "gemini-2.5-flash",
    }
    for provider, model in models.items():
        summary = metrics["export"][provider]
        assert summary["ready"] and summary["lint_errors"] == [], provider
        assert summary["examples"]["train"] + summary["examples"]["valid"] == 178
        # Lint the written files again through the CLI, as a user would.
        files = summary["files"]
        lint = invoke("lint", files["train"], "--eval", files["valid"], "--model", model, "-q")
        assert lint.returncode == 0, (provider, lint.stdout)
        commands = (out / "export" / provider / "COMMANDS.sh").read_text()
        assert 'cd "$(dirname "$0")"' in commands and "train.jsonl" in commands
    first = json.loads((out / "export" / "openai" / "train.jsonl").open().readline())
    assert first["messages"][0] == {
        "role": "system",
        "content": "Answer with the context label only.",
    }
    assert first["messages"][-1]["role"] == "assistant"
    vertex = json.loads((out / "export" / "vertex" / "train.jsonl").open().readline())
    assert set(vertex) == {"systemInstruction", "contents"}
    assert [turn["role"] for turn in vertex["contents"]] == ["user", "model"]
    openai_commands = metrics["export"]["openai"]["commands"]
    assert any("v1/fine_tuning/jobs" in line for line in openai_commands)
    assert "together fine-tuning create" in "\n".join(metrics["export"]["together"]["commands"])
    assert "tuningJobs" in "\n".join(metrics["export"]["vertex"]["commands"])
    card = (out / "README.md").read_text()
    assert "Vertex AI (Gemini)" in card and "lints clean" in card


def test_tool_calls_kept_for_openai_and_left_out_where_unsupported(
    real_data: Path, tmp_path: Path
) -> None:
    answers = tmp_path / "u.toml"
    answers.write_text(QUALIFYING.replace("178", "103"))
    data = real_data / "openai-cookbook" / "drone_training.jsonl"
    out = tmp_path / "drone"
    result = export(
        answers, data, out, "--provider", "openai", "--provider", "together", "--force", "-q"
    )
    assert result.returncode == 0, result.stderr
    metrics = json.loads((out / "metrics.json").read_text())
    openai_row = json.loads((out / "export" / "openai" / "train.jsonl").open().readline())
    assert openai_row["tools"] and openai_row["messages"][-1]["tool_calls"]
    assert metrics["export"]["openai"]["ready"]
    assert len(metrics["export"]["together"]["skipped_lines"]) == 103  # every row calls a tool


class FakeOpenAI(BaseHTTPRequestHandler):
    """Just enough of the files and fine-tuning endpoints, recording each request."""

    requests: ClassVar[list[dict[str, Any]]] = []
    reject = False

    def log_message(self, *_: Any) -> None:
        pass

    def _reply(self, status: int, body: dict[str, Any]) -> None:
        payload = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.requests.append(
            {"path": self.path, "auth": self.headers.get("Authorization"), "body": body}
        )
        if self.reject:
            self._reply(
                401,
                {
                    "error": {
                        "message": f"Incorrect API key provided: {SECRET}",
                        "type": "invalid_request_error",
                        "code": "invalid_api_key",
                    }
                },
            )
        elif self.path == "/v1/files":
            number = sum(1 for r in self.requests if r["path"] == "/v1/files")
            self._reply(
                200,
                {
                    "id": f"file-{number}",
                    "object": "file",
                    "bytes": len(body),
                    "created_at": 0,
                    "filename": "train.jsonl",
                    "purpose": "fine-tune",
                    "status": "processed",
                },
            )
        elif self.path == "/v1/fine_tuning/jobs":
            request = json.loads(body)
            self._reply(
                200,
                {
                    "id": "ftjob-42",
                    "object": "fine_tuning.job",
                    "status": "queued",
                    "model": request["model"],
                    "created_at": 0,
                    "training_file": request["training_file"],
                    "validation_file": request.get("validation_file"),
                    "hyperparameters": {},
                    "organization_id": "org-test",
                    "result_files": [],
                    "seed": 1,
                    "fine_tuned_model": None,
                    "finished_at": None,
                    "error": None,
                    "trained_tokens": None,
                },
            )
        else:
            self._reply(404, {"error": {"message": "not found"}})


@pytest.fixture
def fake_openai():  # type: ignore[no-untyped-def]
    FakeOpenAI.requests = []
    FakeOpenAI.reject = False
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeOpenAI)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    server.shutdown()


def _files_under(folder: Path) -> str:
    return "".join(p.read_text(errors="replace") for p in folder.rglob("*") if p.is_file())


def test_submit_openai_uploads_and_creates_the_job(
    routing: tuple[Path, Path], tmp_path: Path, fake_openai: str
) -> None:
    data, answers = routing
    out = tmp_path / "run"
    env = {"OPENAI_API_KEY": SECRET, "OPENAI_BASE_URL": fake_openai}
    result = export(answers, data, out, "--provider", "openai", "--submit", "openai", env=env)
    assert result.returncode == 0, result.stderr
    paths = [r["path"] for r in FakeOpenAI.requests]
    assert paths == ["/v1/files", "/v1/files", "/v1/fine_tuning/jobs"]
    assert all(r["auth"] == f"Bearer {SECRET}" for r in FakeOpenAI.requests)
    uploaded = FakeOpenAI.requests[0]["body"]
    assert b'name="purpose"' in uploaded and b"fine-tune" in uploaded
    train_file = (out / "export" / "openai" / "train.jsonl").read_bytes()
    assert train_file in uploaded  # the exported file, byte for byte
    job = json.loads(FakeOpenAI.requests[2]["body"])
    assert job == {
        "training_file": "file-1",
        "validation_file": "file-2",
        "model": "gpt-4o-mini-2024-07-18",
    }
    submission = json.loads((out / "export" / "openai" / "submission.json").read_text())
    assert submission["job_id"] == "ftjob-42" and submission["files"]["train"] == "file-1"
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["submission"]["job_id"] == "ftjob-42"
    # The key is nowhere: not in the run folder, not on the terminal, not in the report.
    page = tmp_path / "report.html"
    shown = report_run(answers, out, page)
    assert shown.returncode == 0, shown.stderr
    assert "ftjob-42" in page.read_text()
    for text in (_files_under(out), result.stdout, result.stderr, page.read_text()):
        assert SECRET not in text and "sk-test" not in text


def test_submit_errors_are_clear_and_scrubbed(
    routing: tuple[Path, Path], tmp_path: Path, fake_openai: str
) -> None:
    data, answers = routing
    missing = export(
        answers,
        data,
        tmp_path / "nokey",
        "--provider",
        "openai",
        "--submit",
        "openai",
        "-q",
        env={"OPENAI_API_KEY": "", "OPENAI_BASE_URL": fake_openai},
    )
    assert missing.returncode == 2 and "OPENAI_API_KEY" in missing.stderr
    assert FakeOpenAI.requests == []  # nothing was sent
    FakeOpenAI.reject = True
    out = tmp_path / "rejected"
    env = {"OPENAI_API_KEY": SECRET, "OPENAI_BASE_URL": fake_openai}
    refused = export(
        answers, data, out, "--provider", "openai", "--submit", "openai", "-q", env=env
    )
    assert refused.returncode == 2 and "OpenAI refused the submission" in refused.stderr
    assert "Traceback" not in refused.stderr
    for text in (_files_under(out), refused.stdout, refused.stderr):
        assert SECRET not in text


def test_submit_needs_the_export_backend(routing: tuple[Path, Path], tmp_path: Path) -> None:
    data, answers = routing
    result = train_cli(answers, data, tmp_path / "r", "--backend", "lora", "--submit", "openai")
    assert result.returncode == 2 and "--submit goes with --backend export" in result.stderr
