"""Lint every fine-tuning file in ../shared/data and keep every finding, with the
row it points at, for the precision sample (``sample.py``).

    python bench/precision/collect.py            # writes /tmp/advisor-findings.jsonl
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
# (training file, evaluation file or None): every fine-tuning file, with its split
# where the source ships one. Paraphrase corpora (MRPC, STS-B) are not training data.
FILES = [
    ("openai-cookbook/toy_chat_fine_tuning.jsonl", None),
    ("openai-cookbook/drone_training.jsonl", None),
    ("openai-cookbook/dbpedia_samples.jsonl", None),
    ("openai-cookbook/AG_news_samples.csv", None),
    ("together-cookbook/small_coqa_10.jsonl", None),
    ("llamafactory-demo/v1_sft_demo.jsonl", None),
    ("llamafactory-demo/alpaca_en_demo.json", None),
    ("llamafactory-demo/identity.json", None),
    ("llamafactory-demo/glaive_toolcall_en_demo.json", None),
    ("llamafactory-demo/dpo_en_demo.json", None),
    ("llamafactory-demo/kto_en_demo.json", None),
    ("axolotl-fixtures/alpaca.json", None),
    ("axolotl-fixtures/conversation.json", None),
    ("axolotl-fixtures/conversation.missingturns.json", None),
    ("alpaca-cleaned-extras/gsm_8k__gsm_8k_train.json", None),
    ("alpaca-cleaned-extras/GPTeacher__Toolformer__toolformer-dedupe-only-dataset.json", None),
    ("alpaca-cleaned-extras/seed_tasks.jsonl", None),
    (
        "azure-legacy-prompt-completion/generated_labels_context_switching_prepared_train.jsonl",
        "azure-legacy-prompt-completion/generated_labels_context_switching_prepared_valid.jsonl",
    ),
    ("azure-legacy-prompt-completion/classification_bulk_test.tsv", None),
    ("mlx-examples/wwdc25__train.jsonl", "mlx-examples/wwdc25__valid.jsonl"),
    ("mlx-examples/lora__train.jsonl", "mlx-examples/lora__valid.jsonl"),
    ("banking77/train.csv", "banking77/test.csv"),
    ("sms-spam/SMSSpamCollection.tsv", None),
]


def lines_of(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8-sig", errors="replace").split("\n")


def context(path: Path, line: int | None, cache: dict[Path, list[str]]) -> str:
    """The source text from ``line`` (up to 4 lines, 700 characters)."""
    if line is None:
        return ""
    rows = cache.setdefault(path, lines_of(path))
    return "\n".join(rows[line - 1 : line + 3])[:700]


def main(out: Path = Path("/tmp/advisor-findings.jsonl")) -> None:
    cache: dict[Path, list[str]] = {}
    with out.open("w", encoding="utf-8") as sink:
        for train, held in FILES:
            args = [sys.executable, "-m", "advisor", "lint", str(DATA / train), "-q"]
            if held:
                args += ["--eval", str(DATA / held)]
            done = subprocess.run([*args, "--format", "json"], capture_output=True, text=True)
            report = json.loads(done.stdout)
            for finding in report["findings"]:
                path = Path(finding["file"])
                record = {
                    **finding,
                    "file": str(path.relative_to(DATA)),
                    "row": context(path, finding["line"], cache),
                }
                other = finding.get("duplicate_of")
                if other:
                    other_path = Path(other["file"])
                    record["duplicate_of"] = {
                        "file": str(other_path.relative_to(DATA)),
                        "line": other["line"],
                    }
                    record["other_row"] = context(other_path, other["line"], cache)
                sink.write(json.dumps(record, ensure_ascii=False) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
