"""Re-cut the vendored extracts from ../shared/data (or ADVISOR_SHARED_DATA).

The tests read real public data from this folder so that a clone anywhere runs every
test; ../shared/data stays for the benchmarks. Small files with a licence that allows
redistribution are copied byte for byte; the large ones are cut to their first records so
the folder stays a few MB. Non-commercial or custom-licence files (AG News, the Alpaca
seed tasks, MRPC, STS-B) are not vendored. PROVENANCE.tsv records, per file, the source
row of ../shared/data/PROVENANCE.tsv, how it was cut and the SHA-256 of what is here;
tests/test_vendored_data.py checks the hashes.

    python tests/data/real/vendor.py
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import shutil
from pathlib import Path

HERE = Path(__file__).resolve().parent
SOURCE = Path(os.environ.get("ADVISOR_SHARED_DATA", HERE.parents[3] / "shared" / "data"))

WHOLE = [
    "openai-cookbook/toy_chat_fine_tuning.jsonl",
    "openai-cookbook/drone_training.jsonl",
    "openai-cookbook/dbpedia_samples.jsonl",
    "together-cookbook/small_coqa_10.jsonl",
    "llamafactory-demo/v1_sft_demo.jsonl",
    "llamafactory-demo/alpaca_en_demo.json",
    "llamafactory-demo/identity.json",
    "llamafactory-demo/glaive_toolcall_en_demo.json",
    "axolotl-fixtures/alpaca.json",
    "axolotl-fixtures/conversation.json",
    "axolotl-fixtures/conversation.missingturns.json",
    "azure-legacy-prompt-completion/generated_labels_context_switching_prepared_train.jsonl",
    "azure-legacy-prompt-completion/classification_bulk_test.tsv",
    "mlx-examples/wwdc25__train.jsonl",
    "mlx-examples/wwdc25__valid.jsonl",
    "banking77/train.csv",
    "sms-spam/SMSSpamCollection.tsv",
]
FIRST_LINES = {"mlx-examples/lora__train.jsonl": 200}
FIRST_RECORDS = {
    "llamafactory-demo/dpo_en_demo.json": 160,
    "llamafactory-demo/kto_en_demo.json": 100,
    "alpaca-cleaned-extras/gsm_8k__gsm_8k_train.json": 300,
}
LICENCE_FILES = [
    "openai-cookbook/LICENSE",
    "together-cookbook/LICENSE",
    "llamafactory-demo/LICENSE",
    "axolotl-fixtures/LICENSE",
    "azure-legacy-prompt-completion/LICENSE",
    "mlx-examples/LICENSE",
    "alpaca-cleaned-extras/LICENSE",
    "banking77/LICENSE.txt",
]


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def vendor() -> None:
    """Write every extract and PROVENANCE.tsv."""
    how: dict[str, str] = {}
    for relative in WHOLE + LICENCE_FILES:
        target = HERE / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(SOURCE / relative, target)
        how[relative] = "whole file, byte for byte"
    for relative, count in FIRST_LINES.items():
        lines = (SOURCE / relative).read_text(encoding="utf-8").splitlines(keepends=True)
        (HERE / relative).write_text("".join(lines[:count]), encoding="utf-8")
        how[relative] = f"first {count} of {len(lines)} lines, byte for byte"
    for relative, count in FIRST_RECORDS.items():
        records = json.loads((SOURCE / relative).read_text(encoding="utf-8"))
        text = json.dumps(records[:count], ensure_ascii=False, indent=2) + "\n"
        (HERE / relative).write_text(text, encoding="utf-8")
        how[relative] = f"first {count} of {len(records)} records, re-serialised (indent 2)"
    with (SOURCE / "PROVENANCE.tsv").open(encoding="utf-8", newline="") as handle:
        upstream = {row["local_file"]: row for row in csv.DictReader(handle, delimiter="\t")}
    with (HERE / "PROVENANCE.tsv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter="\t", lineterminator="\n")
        writer.writerow(["file", "repo", "path_in_repo", "commit", "cut", "sha256"])
        for relative in sorted(how):
            row = upstream.get(relative, {})
            writer.writerow(
                [
                    relative,
                    row.get("repo", "licence of the folder's source"),
                    row.get("path_in_repo", "-"),
                    row.get("last_commit_touching_file", "-"),
                    how[relative],
                    sha256(HERE / relative),
                ]
            )


if __name__ == "__main__":
    vendor()
