"""A finished run in a few lines for the terminal: each model's held-out numbers,
then the verdict."""

from __future__ import annotations

from typing import Any


def render_training(metrics: dict[str, Any]) -> str:
    """The run's result in a few lines: each model's held-out numbers, then the verdict."""
    lines = []
    if metrics["backend"] == "export":
        for name, summary in metrics["export"].items():
            state = (
                "ready" if summary["ready"] else "lint errors " + ", ".join(summary["lint_errors"])
            )
            lines.append(f"{name}: {summary['files']['train']} ({state})")
    elif metrics["backend"] == "lora":
        task = metrics["task_metric"]
        for name, m in metrics["models"].items():
            lines.append(f"{name}: loss {m['loss']:.3f}, {task} {m[task]:.3f}")
    else:
        for name, m in metrics["models"].items():
            lines.append(f"{name}: accuracy {m['accuracy']:.3f}, macro-F1 {m['macro_f1']:.3f}")
    return "\n".join(lines) + f"\nVerdict: {metrics['verdict']}."
