"""The questionnaire session: answers saved as they are given, resumable after Ctrl-C.

Each answer is written to ``OUTPUT.partial`` as soon as it is given; a later
session on the same output offers to resume from it; the finished use case is
written atomically and the partial file removed. The caller supplies the
terminal: ``read`` (one line, or None at the end of input), ``say`` and
``confirm``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from advisor.errors import InputError, UsageError
from advisor.workflows.settings import AskSettings

if TYPE_CHECKING:
    from advisor.advice.usecase import UseCase


def partial_path(output: Path) -> Path:
    """Where the answers given so far are kept."""
    return output.with_name(output.name + ".partial")


@dataclass
class AskOutcome:
    usecase: UseCase
    output: Path
    # The partial file the session resumed from, if it did.
    resumed_from: Path | None = None


class Interrupted(KeyboardInterrupt):
    """Ctrl-C during the questionnaire; ``resumable`` when answers were saved."""

    def __init__(self, output: Path, resumable: bool) -> None:
        super().__init__()
        self.output = output
        self.resumable = resumable


def run_session(
    settings: AskSettings,
    read: Callable[[str], str | None],
    say: Callable[[str], None],
    confirm: Callable[[str, bool], bool],
) -> AskOutcome:
    """Ask what ``settings.answers`` leaves open and write ``settings.output``.

    ``confirm(question, default)`` answers yes/no (the default without a terminal).
    Raises ``Interrupted`` on Ctrl-C, with the answers so far saved."""
    from advisor.advice.questionnaire import run_questionnaire
    from advisor.advice.usecase import dump_answers, dump_values, load_answers
    from advisor.fsutil import refuse_to_overwrite, write_atomic

    output, answers_path = settings.output, settings.answers
    progress = partial_path(output)
    refuse_to_overwrite([("-o", output)], [("--answers", answers_path)])
    if (
        output.exists()
        and not settings.force
        and not confirm(f"{output} exists. Replace it?", False)
    ):
        raise UsageError(
            f"{output} already exists; pass --force to replace it, or choose another -o."
        )
    resumed = None
    if (
        answers_path is None
        and progress.is_file()
        and confirm(f"Resume the answers saved in {progress}?", True)
    ):
        say(f"Resuming the answers saved in {progress}.")
        answers_path = resumed = progress
    known = load_answers(answers_path).known() if answers_path is not None else {}

    def ask(prompt: str) -> str:
        line = read(prompt)
        if line is None:
            raise InputError(
                "standard input ended before every question was answered; answer in a "
                f"terminal or give the rest with --answers FILE (answers so far: {progress})."
            )
        return line

    def save(answers: dict[str, Any]) -> None:
        write_atomic(progress, dump_values(answers, output))

    try:
        usecase = run_questionnaire(ask, say, known, on_answer=save)
    except KeyboardInterrupt as exc:
        raise Interrupted(output, progress.exists()) from exc
    write_atomic(output, dump_answers(usecase, output))
    progress.unlink(missing_ok=True)
    return AskOutcome(usecase, output, resumed)
