"""Settings declared once: each option's type, default, help and limits, in one field.

Every workflow takes one settings dataclass (``advisor.workflows``). Its fields
say everything the three front doors need: the click options of the command
line are generated from them (``advisor.cli.options``), the ``[tool.advisor]``
keys are the fields marked ``config``, and the library's keywords are the field
names. Precedence — a value given here beats ``[tool.advisor]``, which beats the
default — lives in one function, ``resolve``.

Plain dataclasses, not pydantic models, because the command line builds its
options from them when it starts, and ``advisor --help`` must not pay for
importing pydantic; values given from Python are validated with pydantic when
they are resolved (``check_value``).
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal

MISSING = dataclasses.MISSING
# The ``where`` of a value read from the config file: errors name its key with dashes.
CONFIG_FILE = "[tool.advisor]"


@dataclass(frozen=True)
class Setting:
    """What a field means to the command line, the config file and the validator."""

    help: str
    # A bool field is a flag that sets the opposite of its default (``--no-near``
    # sets near, True by default, to False); show_default does not apply to it.
    # Command-line flags (default: --the-field-name); empty with cli=False.
    flags: tuple[str, ...] = ()
    # Also read from [tool.advisor], under the field name with dashes.
    config: bool = False
    # False: a library keyword (or config key) only, never a flag.
    cli: bool = True
    # Numbers: the allowed range (click's IntRange/FloatRange, checked by resolve too).
    min: float | None = None
    max: float | None = None
    min_open: bool = False
    # Paths: "file" (not a folder), "dir" (not a file) or None (either).
    path: Literal["file", "dir"] | None = None
    # Whether --help shows the default (off where the default is "decided later").
    show_default: bool = True
    metavar: str | None = None
    # Choices computed elsewhere (the format names) for a str field.
    choices: tuple[str, ...] | None = None
    # A positional argument of the command, not a flag (a tuple takes several).
    argument: bool = False
    # Paths on the command line: must exist already.
    exists: bool = False


def setting(default: Any = MISSING, help: str = "", **meta: Any) -> Any:
    """A dataclass field with its ``Setting``: ``model: str | None = setting(None, "…")``."""
    return dataclasses.field(default=default, metadata={"setting": Setting(help=help, **meta)})


@dataclass(frozen=True)
class Field:
    """One field of a settings class, with its evaluated type."""

    name: str
    type: Any
    default: Any
    setting: Setting
    # The nested settings class this field holds (training's lora and export), if any.
    nested: type | None = None

    @property
    def required(self) -> bool:
        return self.default is MISSING

    @property
    def config_key(self) -> str:
        return self.name.replace("_", "-")

    @property
    def flag_names(self) -> tuple[str, ...]:
        return self.setting.flags or ("--" + self.name.replace("_", "-"),)


def is_settings(cls: Any) -> bool:
    return isinstance(cls, type) and dataclasses.is_dataclass(cls)


def fields_of(cls: type) -> list[Field]:
    """The declared fields of a settings class, in order (nested classes as one field)."""
    hints = typing.get_type_hints(cls)
    found = []
    for item in dataclasses.fields(cls):
        meta = item.metadata.get("setting")
        kind = hints[item.name]
        nested = kind if is_settings(kind) else None
        if meta is None and nested is None:
            continue
        default = item.default
        if default is MISSING and item.default_factory is not MISSING:
            default = item.default_factory()
        found.append(Field(item.name, kind, default, meta or Setting(help=""), nested))
    return found


def flat_fields(cls: type) -> Iterator[Field]:
    """Every leaf field, nested settings included (the command line's flat view)."""
    for item in fields_of(cls):
        if item.nested is not None:
            yield from flat_fields(item.nested)
        else:
            yield item


def config_fields(*classes: type) -> dict[str, Field]:
    """The ``[tool.advisor]`` keys the classes declare, by key (first declaration wins)."""
    keys: dict[str, Field] = {}
    for cls in classes:
        for item in flat_fields(cls):
            if item.setting.config:
                keys.setdefault(item.config_key, item)
    return keys


def resolve(
    cls: type,
    given: Mapping[str, Any],
    configured: Mapping[str, Any] | None = None,
    *,
    where: str = "option",
) -> Any:
    """Build ``cls`` from what was given, then ``[tool.advisor]``, then the defaults.

    ``given`` holds only what the caller set (the flags typed, the keywords passed;
    None means not given), flat: nested settings are filled from the same keys.
    ``configured`` holds ``[tool.advisor]`` values by field name, already checked
    when the file was read (``config.load_config``). An unknown key or a value of
    the wrong type is a ``UsageError`` that names it."""
    from advisor.errors import UsageError

    known = {item.name: item for item in flat_fields(cls)}
    unknown = sorted(set(given) - set(known))
    if unknown:
        raise UsageError(
            f"unknown {where}(s) {', '.join(unknown)} for {cls.__name__}; "
            f"known: {', '.join(sorted(known))}."
        )
    configured = configured or {}
    values: dict[str, Any] = {}
    for name, item in known.items():
        if given.get(name) is not None:
            values[name] = check_value(item, given[name], where)
        elif item.setting.config and configured.get(name) is not None:
            values[name] = configured[name]
    missing = [name for name, item in known.items() if item.required and name not in values]
    if missing:
        raise UsageError(f"{cls.__name__} needs {', '.join(missing)}.")
    return build(cls, values)


def build(cls: type, values: Mapping[str, Any]) -> Any:
    """``cls`` from flat values; nested settings take the keys they declare."""
    kwargs = {}
    for item in fields_of(cls):
        if item.nested is not None:
            kwargs[item.name] = build(item.nested, values)
        elif item.name in values:
            kwargs[item.name] = values[item.name]
    return cls(**kwargs)


def check_value(item: Field, value: Any, where: str) -> Any:
    """``value`` converted to the field's type (lists become tuples, strings paths)
    and held to its range; a wrong one is a ``UsageError`` naming the option."""
    from pydantic import TypeAdapter, ValidationError

    from advisor.errors import UsageError

    name = item.config_key if where == CONFIG_FILE else item.name
    kind = item.type
    if is_repeated(kind) and isinstance(value, str):
        value = (value,)
    try:
        converted = TypeAdapter(kind).validate_python(value)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise UsageError(f"{where} {name}: {first['msg']} (got {value!r}).") from exc
    meta = item.setting
    if meta.choices is not None and converted is not None and converted not in meta.choices:
        raise UsageError(f"{where} {name}: {converted!r} is not one of {', '.join(meta.choices)}.")
    if isinstance(converted, int | float) and not isinstance(converted, bool):
        low, high = meta.min, meta.max
        if low is not None and (converted < low or (meta.min_open and converted == low)):
            raise UsageError(f"{where} {name}: must be {'>' if meta.min_open else '>='} {low}.")
        if high is not None and converted > high:
            raise UsageError(f"{where} {name}: must be <= {high}.")
    return converted


def base_type(kind: Any) -> Any:
    """The type without ``| None``: ``int | None`` is int, ``tuple[str, ...]`` tuple."""
    arms = [arm for arm in typing.get_args(kind) if arm is not type(None)]
    if typing.get_origin(kind) in (typing.Union, types.UnionType) and len(arms) == 1:
        return arms[0]
    return kind


def is_repeated(kind: Any) -> bool:
    """Whether a field takes several values (``tuple[str, ...]``, optional or not)."""
    return typing.get_origin(base_type(kind)) is tuple


def is_flag(kind: Any) -> bool:
    """A bool field is a flag: typing it sets the opposite of its default."""
    return base_type(kind) is bool


def literal_choices(kind: Any) -> tuple[str, ...] | None:
    kind = base_type(kind)
    if typing.get_origin(kind) is Literal:
        return tuple(typing.get_args(kind))
    return None


@dataclass(kw_only=True)
class Quiet:
    """The one ``-q/--quiet`` every long-running workflow takes."""

    quiet: bool = setting(
        False,
        "No progress bars or log lines (lint's text output: the findings and summary only).",
        flags=("-q", "--quiet"),
    )
