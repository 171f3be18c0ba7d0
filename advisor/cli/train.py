"""`advisor train`: parse, call the train workflow, print."""

from __future__ import annotations

import os
import sys
from typing import Any

import click

from advisor.cli.errors import EXIT_FINDINGS, handle_errors
from advisor.cli.options import given_values, options_from
from advisor.train.settings import TrainSettings


@click.command()
@options_from(TrainSettings)
@handle_errors
def train(**values: Any) -> None:
    """Train what qualifies and compare it with the baselines on held-out data.

    Refuses (exit 1) unless the recommendation is fine-tuning (or RAG +
    fine-tuning) and the dataset lints without errors; --force overrides.
    Backends: classifier (classification, on CPU in minutes), lora (LoRA on a
    small causal LM; uses a GPU when present, runs under `accelerate launch`),
    export (provider-ready files and the commands to upload them).

    \b
    Examples:
      advisor train --answers usecase.toml --dataset train.csv --out runs/intents-v1
      advisor train --answers usecase.toml --dataset chat.jsonl --out runs/chat-v1 --max-steps 50
      advisor train ... --out runs/chat-v1 --resume          # after Ctrl-C or a crash
      advisor train ... --backend export --provider openai --submit openai
      accelerate launch --multi_gpu --num_processes 2 -m advisor train ... --backend lora
    """
    from advisor.settings import resolve
    from advisor.train.runner import GateRefused
    from advisor.train.summary import render_training
    from advisor.workflows.train import train_model

    settings = resolve(TrainSettings, given_values(values))
    try:
        metrics = train_model(settings, log=lambda line: click.echo(line, err=True))
    except GateRefused as refusal:
        click.echo(f"advisor: {refusal}", err=True)
        sys.exit(EXIT_FINDINGS)
    if os.environ.get("RANK", "0") != "0":
        return
    click.echo(render_training(metrics) + f"\nWrote {settings.out}/metrics.json")
