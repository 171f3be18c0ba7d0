"""The `advisor` command line: each command parses its flags into a workflow's
settings, calls that workflow once, prints, and sets the exit code.

Kept thin on purpose (see ``advisor.workflows`` for the work). Heavy modules are
imported inside the commands so that ``advisor --help`` answers instantly.
Library errors (``AdvisorError``) become a one-line message and exit code 2;
findings decide between 0 and 1.
"""

from __future__ import annotations

from advisor.cli.app import cli, main

__all__ = ["cli", "main"]
