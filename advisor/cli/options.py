"""Click options generated from the workflows' settings: each option declared once.

``options_from(Settings)`` turns every field of a settings dataclass (nested
ones flattened) into its click option or argument, with the field's flags,
type, choices, range, default and help. ``given_values`` keeps only what the
user typed, so ``[tool.advisor]`` and the defaults apply through the same
``advisor.settings.resolve`` a library call uses.
"""

from __future__ import annotations

import typing
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TypeVar

import click
from click.core import ParameterSource

from advisor.linter.settings import LintOptions
from advisor.settings import Field, base_type, flat_fields, is_flag, literal_choices

F = TypeVar("F", bound=Callable[..., Any])


def cli_fields(
    cls: type, only: Iterable[str] | None = None, exclude: Iterable[str] = ()
) -> list[Field]:
    """The fields of ``cls`` a command shows, in declaration order (arguments first)."""
    wanted = set(only) if only is not None else None
    skipped = set(exclude)
    chosen = [
        item
        for item in flat_fields(cls)
        if item.setting.cli and (wanted is None or item.name in wanted) and item.name not in skipped
    ]
    return sorted(chosen, key=lambda item: not item.setting.argument)


def options_from(
    cls: type, *, only: Iterable[str] | None = None, exclude: Iterable[str] = ()
) -> Callable[[F], F]:
    """A decorator adding the command-line parameters of ``cls`` to a command."""
    params = [parameter(item) for item in cli_fields(cls, only, exclude)]

    def decorate(command: F) -> F:
        for add in reversed(params):
            command = add(command)
        return command

    return decorate


def _element(kind: Any) -> tuple[Any, bool]:
    """(the type of one value, whether the option repeats)."""
    kind = base_type(kind)
    if typing.get_origin(kind) is tuple:
        return typing.get_args(kind)[0], True
    return kind, False


def click_type(item: Field) -> Any:
    """The click type that checks what ``item`` accepts."""
    meta = item.setting
    kind, _ = _element(item.type)
    choices = meta.choices or literal_choices(kind)
    if choices:
        return click.Choice(choices)
    if kind is Path or meta.path is not None:
        return click.Path(
            path_type=Path if kind is Path else str,
            file_okay=meta.path != "dir",
            dir_okay=meta.path != "file",
            exists=meta.exists,
        )
    if kind in (int, float):
        if meta.min is None and meta.max is None:
            return kind
        ranged = click.IntRange if kind is int else click.FloatRange
        extra = {"min_open": True} if meta.min_open else {}
        return ranged(min=meta.min, max=meta.max, **extra)
    return None


def parameter(item: Field) -> Callable[[F], F]:
    """The click option (or argument) of one field."""
    meta = item.setting
    _, repeats = _element(item.type)
    if meta.argument:
        return click.argument(
            item.name,
            nargs=-1 if repeats else 1,
            required=True,
            type=click_type(item),
        )
    default = None if item.required else item.default
    if is_flag(item.type):
        return click.option(
            *item.flag_names,
            item.name,
            is_flag=True,
            flag_value=not default,
            default=default,
            help=meta.help,
        )
    shown = meta.show_default and default not in (None, (), False)
    return click.option(
        *item.flag_names,
        item.name,
        type=click_type(item),
        default=default,
        required=item.required,
        multiple=repeats,
        show_default=_shown(default) if shown else False,
        metavar=meta.metavar,
        help=meta.help,
    )


def _shown(default: Any) -> Any:
    if isinstance(default, tuple):
        return ", ".join(str(value) for value in default)
    return True


def given_values(values: dict[str, Any]) -> dict[str, Any]:
    """The parameters the user gave (typed or from the environment), not defaults."""
    context = click.get_current_context()
    defaults = (ParameterSource.DEFAULT, ParameterSource.DEFAULT_MAP, None)
    return {
        name: value
        for name, value in values.items()
        if context.get_parameter_source(name) not in defaults
    }


def lint_flags_but(*kept: str) -> tuple[str, ...]:
    """The lint options a command does not show, all but ``kept``: how the commands
    that advise (or dups) lint comes from [tool.advisor], but for those flags."""
    return tuple(item.name for item in flat_fields(LintOptions) if item.name not in kept)
