"""The train workflow: the project's lint options for the gate, then the run.

``advisor train`` and ``advisor.api.train`` both land here; the runner
(``advisor.train.runner``) does the gate, the split, the backend and the run
folder.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from advisor.train.settings import TrainSettings
from advisor.workflows.project import lint_options, load_project


def train_model(
    settings: TrainSettings, log: Callable[[str], None] = lambda _line: None
) -> dict[str, Any]:
    """Gate, train and evaluate; returns ``metrics.json``'s content. ``log`` hears
    each progress line (the command prints them to standard error). Raises
    ``GateRefused`` when the use case does not qualify and ``force`` is off."""
    from advisor.train.runner import run_training

    return run_training(settings, log_echo=log, lint=lint_options({}, load_project()))


def train(**given: Any) -> dict[str, Any]:
    """The library's ``advisor train``: ``answers``, ``dataset``, ``out`` and the rest of
    ``TrainSettings`` (LoRA and export options included, flat) as keywords."""
    from advisor.settings import resolve

    return train_model(resolve(TrainSettings, given))
