"""``--submit openai``: upload the exported files and create the fine-tuning job.

Uses the ``openai`` SDK, which reads ``OPENAI_API_KEY`` (and ``OPENAI_BASE_URL``,
which is how the tests point it at a fake server on 127.0.0.1). The key is never
written anywhere: the submission record holds file and job ids only, and any
error text is scrubbed of the key before it is shown, because some servers echo
part of it back.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from advisor.errors import UsageError
from advisor.fsutil import write_atomic


def _scrub(text: str, secret: str) -> str:
    return text.replace(secret, "***") if secret else text


def submit_openai(export_dir: Path, summary: dict[str, Any], log: Any) -> dict[str, Any]:
    """Upload train (and valid) with purpose fine-tune, create the job, record the ids."""
    key = os.environ.get("OPENAI_API_KEY", "")
    if not key:
        raise UsageError(
            "--submit openai needs OPENAI_API_KEY in the environment; nothing was uploaded. "
            f"The files and the commands to upload them by hand are in {export_dir}."
        )
    if not summary["ready"]:
        raise UsageError(
            "Not submitting: the OpenAI files have lint errors "
            f"({', '.join(summary['lint_errors'])})."
        )
    try:
        import openai
    except ImportError as exc:
        raise UsageError("--submit openai needs the openai package: pip install openai") from exc
    client = openai.OpenAI(max_retries=0, timeout=60)
    try:
        ids = {}
        for split, path in summary["files"].items():
            with open(path, "rb") as handle:
                uploaded = client.files.create(file=handle, purpose="fine-tune")
            ids[split] = uploaded.id
            log(f"uploaded {split} file as {uploaded.id}")
        arguments: dict[str, Any] = {"training_file": ids["train"], "model": summary["model"]}
        if "valid" in ids:
            arguments["validation_file"] = ids["valid"]
        job = client.fine_tuning.jobs.create(**arguments)
    except openai.OpenAIError as exc:
        raise UsageError(f"OpenAI refused the submission: {_scrub(str(exc), key)}") from None
    record = {
        "provider": "openai",
        "base_url": str(client.base_url),
        "files": ids,
        "job_id": job.id,
        "status": getattr(job, "status", None),
        "model": summary["model"],
    }
    write_atomic(export_dir / "submission.json", json.dumps(record, indent=2) + "\n")
    log(f"created fine-tuning job {job.id} ({record['status']})")
    return record
