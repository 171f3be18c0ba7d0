"""A small, typed condition language for strategy rules. Parsed, never ``eval``ed.

    knowledge_changes in ["monthly", "weekly", "daily"] and proprietary_knowledge_volume != "none"
    labelled_examples >= 100 and not needs_citations
    facts.duplicate_rate > 0.1

Grammar: ``or`` / ``and`` / ``not``, parentheses, comparisons ``== != < <= > >=
in`` and ``not in`` between a field name and a literal (string, number,
true/false/null, or a list of literals). Names are use-case fields or
``facts.*`` measured by the linter. Every condition is checked against their
types when the rule file loads: an unknown name, a value outside a field's
choices or a type mismatch is an error naming the rule.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<number>-?\d+(?:\.\d+)?)
      | (?P<string>"[^"\\]*"|'[^'\\]*')
      | (?P<op>==|!=|<=|>=|<|>|\(|\)|\[|\]|,)
      | (?P<name>[A-Za-z_][A-Za-z0-9_.]*)
    )""",
    re.X,
)
KEYWORDS = {"and", "or", "not", "in", "true", "false", "null"}


class ConditionError(ValueError):
    """A condition that does not parse or does not fit the fields it names."""


@dataclass(frozen=True)
class FieldType:
    """What a name holds: a Python type and, for enums, the allowed values."""

    kind: type | tuple[type, ...]
    choices: tuple[Any, ...] | None = None
    nullable: bool = False


def _tokens(text: str) -> list[tuple[str, Any]]:
    tokens: list[tuple[str, Any]] = []
    position = 0
    while position < len(text):
        if text[position:].strip() == "":
            break
        match = _TOKEN.match(text, position)
        if not match or match.end() == position:
            raise ConditionError(f"cannot read {text[position : position + 12]!r}")
        position = match.end()
        if match.group("number") is not None:
            raw = match.group("number")
            tokens.append(("lit", float(raw) if "." in raw else int(raw)))
        elif match.group("string") is not None:
            tokens.append(("lit", match.group("string")[1:-1]))
        elif match.group("op") is not None:
            tokens.append(("op", match.group("op")))
        else:
            word = match.group("name")
            if word in ("true", "false"):
                tokens.append(("lit", word == "true"))
            elif word == "null":
                tokens.append(("lit", None))
            elif word in KEYWORDS:
                tokens.append(("kw", word))
            else:
                tokens.append(("name", word))
    return tokens


class _Parser:
    def __init__(self, text: str, fields: dict[str, FieldType]) -> None:
        self.tokens = _tokens(text)
        self.position = 0
        self.fields = fields

    def peek(self) -> tuple[str, Any] | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def take(self, kind: str, value: Any = None) -> Any:
        token = self.peek()
        if token is None or token[0] != kind or (value is not None and token[1] != value):
            wanted = value if value is not None else kind
            raise ConditionError(f"expected {wanted!r}, found {token[1] if token else 'the end'!r}")
        self.position += 1
        return token[1]

    def parse(self) -> tuple[Any, ...]:
        node = self.or_expr()
        if self.peek() is not None:
            raise ConditionError(f"unexpected {self.peek()[1]!r}")  # type: ignore[index]
        return node

    def or_expr(self) -> tuple[Any, ...]:
        node = self.and_expr()
        while self.peek() == ("kw", "or"):
            self.position += 1
            node = ("or", node, self.and_expr())
        return node

    def and_expr(self) -> tuple[Any, ...]:
        node = self.not_expr()
        while self.peek() == ("kw", "and"):
            self.position += 1
            node = ("and", node, self.not_expr())
        return node

    def not_expr(self) -> tuple[Any, ...]:
        if self.peek() == ("kw", "not"):
            self.position += 1
            return ("not", self.not_expr())
        return self.comparison()

    def comparison(self) -> tuple[Any, ...]:
        if self.peek() == ("op", "("):
            self.position += 1
            node = self.or_expr()
            self.take("op", ")")
            return node
        name = self.take("name")
        if name not in self.fields:
            raise ConditionError(f"unknown field {name!r}")
        field = self.fields[name]
        token = self.peek()
        if token is None or token in (("kw", "and"), ("kw", "or"), ("op", ")")):
            if field.kind is not bool:
                raise ConditionError(f"{name!r} is not a yes/no field; compare it with a value")
            return ("cmp", name, "==", True)
        if token == ("kw", "not"):
            self.position += 1
            self.take("kw", "in")
            operator = "not in"
        elif token == ("kw", "in"):
            self.position += 1
            operator = "in"
        else:
            operator = self.take("op")
            if operator not in ("==", "!=", "<", "<=", ">", ">="):
                raise ConditionError(f"{operator!r} is not a comparison")
        value = self.literal(list_allowed=operator in ("in", "not in"))
        self.check(name, field, operator, value)
        return ("cmp", name, operator, value)

    def literal(self, list_allowed: bool) -> Any:
        if self.peek() == ("op", "["):
            if not list_allowed:
                raise ConditionError("a list needs `in` or `not in`")
            self.position += 1
            items = [self.take("lit")]
            while self.peek() == ("op", ","):
                self.position += 1
                items.append(self.take("lit"))
            self.take("op", "]")
            return tuple(items)
        if list_allowed:
            raise ConditionError('`in` needs a list, e.g. ["monthly", "daily"]')
        return self.take("lit")

    @staticmethod
    def check(name: str, field: FieldType, operator: str, value: Any) -> None:
        values = value if isinstance(value, tuple) else (value,)
        for item in values:
            if item is None:
                if not field.nullable:
                    raise ConditionError(f"{name!r} is never null")
                continue
            if field.kind is bool and not isinstance(item, bool):
                raise ConditionError(f"{name!r} is true or false, not {item!r}")
            if field.kind is not bool and isinstance(item, bool):
                raise ConditionError(f"{name!r} is not a yes/no field")
            if not isinstance(item, field.kind):
                raise ConditionError(f"{name!r} cannot be compared with {item!r}")
            if field.choices is not None and item not in field.choices:
                choices = ", ".join(map(str, field.choices))
                raise ConditionError(f"{item!r} is not a value of {name!r} (choices: {choices})")
        if operator in ("<", "<=", ">", ">=") and field.kind not in ((int, float), int, float):
            raise ConditionError(f"{name!r} is not a number; use == or in")


# Rule files are data from anyone: a condition this long or this deep is a mistake or
# an attack, and would exhaust Python's recursion limit when evaluated.
MAX_LENGTH = 2000
MAX_DEPTH = 48


def parse(text: str, fields: dict[str, FieldType]) -> tuple[Any, ...]:
    """The checked syntax tree of a condition (raises ConditionError)."""
    if not isinstance(text, str) or not text.strip():
        raise ConditionError("empty condition")
    if len(text) > MAX_LENGTH:
        raise ConditionError(
            f"the condition is {len(text):,} characters long (at most {MAX_LENGTH:,}); "
            "split it into several rules"
        )
    try:
        node = _Parser(text, fields).parse()
    except RecursionError:
        raise ConditionError("the condition is nested too deeply") from None
    if depth(node) > MAX_DEPTH:
        raise ConditionError(
            f"the condition combines more than {MAX_DEPTH} levels of and/or/not; "
            "split it into several rules"
        )
    return node


def depth(node: tuple[Any, ...]) -> int:
    """How deep a syntax tree is (counted without recursion)."""
    deepest = 0
    stack = [(node, 1)]
    while stack:
        item, level = stack.pop()
        deepest = max(deepest, level)
        if item[0] in ("and", "or"):
            stack += [(item[1], level + 1), (item[2], level + 1)]
        elif item[0] == "not":
            stack.append((item[1], level + 1))
    return deepest


def evaluate(node: tuple[Any, ...], values: dict[str, Any]) -> bool:
    """Evaluate a parsed condition; a comparison with an unknown (None) value is false."""
    kind = node[0]
    if kind == "and":
        return evaluate(node[1], values) and evaluate(node[2], values)
    if kind == "or":
        return evaluate(node[1], values) or evaluate(node[2], values)
    if kind == "not":
        return not evaluate(node[1], values)
    _, name, operator, expected = node
    actual = values.get(name)
    if operator == "in":
        return actual in expected
    if operator == "not in":
        return actual not in expected
    if operator == "==":
        return actual == expected
    if operator == "!=":
        return actual != expected
    if actual is None:
        return False
    return {
        "<": actual < expected,
        "<=": actual <= expected,
        ">": actual > expected,
        ">=": actual >= expected,
    }[operator]


def names(node: tuple[Any, ...]) -> set[str]:
    """Every field a condition reads."""
    if node[0] in ("and", "or"):
        return names(node[1]) | names(node[2])
    if node[0] == "not":
        return names(node[1])
    return {node[1]}
