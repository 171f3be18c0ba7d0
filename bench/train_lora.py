"""Does LoRA fine-tuning of SmolLM2-135M beat prompting the same model?

Runs `advisor train --backend lora` (the installed console script, as a user
would) on a real routing set from ../shared/data (prompt/completion rows whose
answer is one of four context labels), holding out a seeded 20%, for each
number of epochs asked for. Prints the held-out loss and exact match of the base
model with the system prompt, with a few-shot prompt, and after fine-tuning, the
paired 95% interval of the gain over the better baseline, and the wall time.

    python bench/train_lora.py [--epochs 1 3 5] [--dataset FILE] [--max-eval N]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DATA = Path(os.environ.get("ADVISOR_SHARED_DATA", REPO.parent / "shared" / "data"))
DEFAULT = (
    DATA
    / "azure-legacy-prompt-completion"
    / "generated_labels_context_switching_prepared_train.jsonl"
)
ANSWERS = """task_type = "classification"
example_quality = "high"
prompt_engineering_tried = true
prompting_meets_quality_bar = false
privacy_requires_self_hosting = true
"""


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--epochs", type=int, nargs="+", default=[1, 3])
    parser.add_argument("--dataset", type=Path, default=DEFAULT)
    parser.add_argument("--max-eval", type=int, default=200)
    args = parser.parse_args()
    advisor = Path(sys.executable).with_name("advisor")
    with tempfile.TemporaryDirectory() as scratch:
        answers = Path(scratch) / "usecase.toml"
        answers.write_text(ANSWERS)
        print(
            f"{args.dataset.name}: LoRA r=8 on SmolLM2-135M-Instruct (CPU unless a GPU is present)"
        )
        print(
            "| epochs | steps | model | held-out loss | task metric [95% CI] "
            "| gain vs best baseline, 95% CI | wall time |"
        )
        print("|---|---|---|---|---|---|---|")
        for epochs in args.epochs:
            out = Path(scratch) / f"run-{epochs}"
            started = time.perf_counter()
            result = subprocess.run(
                [
                    str(advisor),
                    "train",
                    "--answers",
                    str(answers),
                    "--dataset",
                    str(args.dataset),
                    "--out",
                    str(out),
                    "--backend",
                    "lora",
                    "--epochs",
                    str(epochs),
                    "--max-eval",
                    str(args.max_eval),
                    "-q",
                ],
                capture_output=True,
                text=True,
            )
            seconds = time.perf_counter() - started
            if result.returncode != 0:
                print(f"| {epochs} | failed: {result.stderr.strip()} |")
                continue
            metrics = json.loads((out / "metrics.json").read_text())
            task = metrics["task_metric"]
            for name in ("baseline_zero_shot", "baseline_few_shot", "fine_tuned"):
                m = metrics["models"][name]
                low, high = m["ci95"][task]
                gain = metrics["gain_over_best_baseline_ci95"] if name == "fine_tuned" else ""
                steps = metrics["training"]["steps"] if name == "fine_tuned" else ""
                wall = f"{seconds:.0f} s" if name == "fine_tuned" else ""
                print(
                    f"| {epochs} | {steps} | {name} | {m['loss']:.3f} | {task} {m[task]:.3f} "
                    f"[{low:.3f}, {high:.3f}] | {gain} | {wall} |",
                    flush=True,
                )
            print(f"verdict ({epochs} epochs): {metrics['verdict']}", file=sys.stderr)


if __name__ == "__main__":
    main()
