"""The architecture as documented is the architecture as built.

Reads every ``import`` in ``advisor/`` (module level and inside functions, since
a lazy import is still a dependency) and checks two things: no import cycle
between modules, and every import between packages is allowed by the table in
ARCHITECTURE.md ("Which package may import which").
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PACKAGE = REPO / "advisor"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(path): path for path in PACKAGE.rglob("*.py")}


def imported_modules(name: str, path: Path) -> Iterator[str]:
    """advisor modules that ``name`` imports (``from pkg import mod`` counts as mod)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names if alias.name in MODULES)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            for alias in node.names:
                full = f"{source}.{alias.name}"
                if full in MODULES:
                    yield full
                elif source in MODULES:
                    yield source


GRAPH = {
    name: sorted({m for m in imported_modules(name, path) if m != name})
    for name, path in MODULES.items()
}


def cycles(graph: dict[str, list[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph.get(node, []):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def documented_table() -> dict[str, set[str]]:
    """package → the packages it may import, from ARCHITECTURE.md."""
    text = (REPO / "ARCHITECTURE.md").read_text(encoding="utf-8")
    section = text.split("## Which package may import which", 1)[1].split("\n## ", 1)[0]
    table: dict[str, set[str]] = {}
    for row in section.splitlines():
        cells = [cell.strip() for cell in row.strip().strip("|").split("|")]
        if len(cells) < 3 or not cells[0].startswith("`advisor"):
            continue
        table[cells[0].strip("`")] = set(re.findall(r"`(advisor[\w.]*)`", cells[-1]))
    return table


TABLE = documented_table()


def owner(module: str) -> str:
    """The table row a module belongs to: its longest documented prefix."""
    rows = [row for row in TABLE if module == row or module.startswith(row + ".")]
    assert rows, f"{module} belongs to no row of ARCHITECTURE.md's import table"
    return max(rows, key=len)


def test_no_import_cycle() -> None:
    assert cycles(GRAPH) == []


def test_cycle_finder_finds_a_cycle() -> None:
    graph = {"a": ["b"], "b": ["c"], "c": ["a"], "d": ["a"]}
    assert cycles(graph) == [["a", "b", "c"]]


def test_every_import_is_allowed_by_the_documented_table() -> None:
    assert len(TABLE) >= 10, "the import table in ARCHITECTURE.md was not found"
    forbidden = []
    for module, targets in GRAPH.items():
        source = owner(module)
        for target in targets:
            row = owner(target)
            if row != source and row not in TABLE[source]:
                forbidden.append(f"{module} -> {target} ({source} may not import {row})")
    assert forbidden == []


def test_the_table_names_only_real_packages_and_no_unused_permission() -> None:
    used: dict[str, set[str]] = {row: set() for row in TABLE}
    for module, targets in GRAPH.items():
        for target in targets:
            if owner(target) != owner(module):
                used[owner(module)].add(owner(target))
    for row, allowed in TABLE.items():
        assert row in MODULES, f"ARCHITECTURE.md names {row}, which does not exist"
        assert allowed <= set(TABLE), f"{row} may import unknown {allowed - set(TABLE)}"
        assert allowed == used[row], (
            f"{row}: documented {sorted(allowed)}, real {sorted(used[row])}"
        )


def test_modules_stay_small() -> None:
    """Small modules with one job: none over 500 lines, no command module over 400."""
    for name, path in MODULES.items():
        lines = len(path.read_text(encoding="utf-8").splitlines())
        limit = 400 if name.startswith("advisor.cli") else 500
        assert lines <= limit, f"{name} has {lines} lines (at most {limit})"
