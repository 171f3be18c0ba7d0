"""Exit codes, and library errors turned into one clear line: never a traceback."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

import click

from advisor.errors import AdvisorError

F = TypeVar("F", bound=Callable[..., Any])

EXIT_CLEAN, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE, what a shell reports for a tool cut off by a pipe


def handle_errors(command: F) -> F:
    """Turn library errors into a clear message and exit 2, never a traceback."""

    @wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except AdvisorError as exc:
            code = getattr(exc, "exit_code", EXIT_USAGE)
            prefix = "advisor: error: " if code == EXIT_USAGE else "advisor: "
            click.echo(f"{prefix}{exc}", err=True)
            sys.exit(code)
        except KeyboardInterrupt:
            click.echo("advisor: interrupted.", err=True)
            sys.exit(130)
        except BrokenPipeError:
            # The reader went away (`advisor rules | head -1`): stop quietly, as Unix
            # tools do, and keep Python from complaining while it flushes at exit.
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            sys.exit(EXIT_BROKEN_PIPE)
        except Exception as exc:  # pragma: no cover - a bug, reported without a traceback
            if os.environ.get("ADVISOR_DEBUG"):
                raise
            click.echo(
                f"advisor: internal error: {type(exc).__name__}: {exc}\n"
                "This is a bug in advisor; rerun with ADVISOR_DEBUG=1 for the traceback.",
                err=True,
            )
            sys.exit(EXIT_USAGE)

    return wrapper  # type: ignore[return-value]
