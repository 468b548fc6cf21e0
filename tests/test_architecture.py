"""The house rules of docs/architecture.md, checked on the source: imports point inward
and down, the engine and the zip layer stand alone, only the CLI speaks click."""

from __future__ import annotations

import ast
import functools
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "xlsheet_outsource"
NAME = PACKAGE.name
ENGINE_MAY_IMPORT = {"numpy", "pandas"}  # besides the standard library's pure modules
NOT_PURE = {"io", "os", "pathlib", "shutil", "subprocess", "tempfile", "zipfile", "socket",
            "smtplib", "sqlite3", "urllib", "http", "email"}
MAX_TOP_MODULES = 10
MAX_CHAIN = 8


def modules() -> dict[str, Path]:
    return {_module_name(path): path for path in PACKAGE.rglob("*.py")}


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@functools.cache
def imports() -> dict[str, set[str]]:
    """Every module's imports (inside functions and TYPE_CHECKING blocks too), as full names:
    the package's own modules, or the top-level name of anything else."""
    known = modules()
    found: dict[str, set[str]] = {}
    for name, path in known.items():
        base = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
        targets: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets.update(_closest(alias.name, known) for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                origin = node.module or ""
                if node.level:
                    origin = ".".join(base[: len(base) - node.level + 1] + [origin]).rstrip(".")
                named = {f"{origin}.{alias.name}" for alias in node.names} & known.keys()
                targets.update(named or {_closest(origin, known)})
        found[name] = targets - {name}
    return found


def _closest(module: str, known: dict[str, Path]) -> str:
    while module not in known and "." in module:
        module = module.rsplit(".", 1)[0]
    return module if module in known else module.split(".")[0]


def own(targets: set[str]) -> set[str]:
    return {t for t in targets if t == NAME or t.startswith(NAME + ".")}


def test_no_import_cycles() -> None:
    graph = {name: own(targets) for name, targets in imports().items()}
    cycles = [cycle for cycle in _cycles(graph) if not _package_and_member(cycle)]
    assert not cycles, "\n".join(" -> ".join(cycle) for cycle in cycles)


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    found, done = [], set()

    def walk(node: str, path: list[str]) -> None:
        for step in sorted(graph.get(node, ())):
            if step in path:
                found.append(path[path.index(step):] + [step])
            elif step not in done:
                walk(step, [*path, step])
        done.add(node)

    for start in sorted(graph):
        walk(start, [start])
    return found


def _package_and_member(cycle: list[str]) -> bool:
    """A package's __init__ re-exporting its own member is not a cycle of the design."""
    return all(a.startswith(b + ".") or b.startswith(a + ".") for a, b in zip(cycle, cycle[1:]))


def test_engine_is_pure() -> None:
    for name, targets in imports().items():
        if name.startswith(f"{NAME}.engine"):
            outside = own(targets) - {t for t in targets if t.startswith(f"{NAME}.engine")}
            libraries = {t for t in targets - own(targets)
                         if t not in sys.stdlib_module_names and t not in ENGINE_MAY_IMPORT}
            assert not outside | libraries | (targets & NOT_PURE), name


def test_ooxml_stands_alone() -> None:
    for name, targets in imports().items():
        if name.startswith(f"{NAME}.ooxml"):
            assert all(t.startswith(f"{NAME}.ooxml") for t in own(targets)), name


def test_only_the_cli_imports_click() -> None:
    users = sorted(name for name, targets in imports().items() if "click" in targets)
    assert users == [f"{NAME}.cli"]


def test_nothing_imports_the_cli() -> None:
    """The CLI wraps the library; only `python -m xlsheet_outsource` starts it."""
    users = sorted(name for name, targets in imports().items() if f"{NAME}.cli" in targets)
    assert users == [f"{NAME}.__main__"]


def test_few_modules_at_the_top() -> None:
    top = sorted(path.name for path in PACKAGE.glob("*.py"))
    assert len(top) <= MAX_TOP_MODULES, top


def test_short_import_chains() -> None:
    graph = {name: own(targets) for name, targets in imports().items()}

    def longest(node: str, path: tuple[str, ...]) -> tuple[str, ...]:
        chains = [longest(step, (*path, step)) for step in graph[node] if step not in path
                  and not step.startswith(node + ".") and not node.startswith(step + ".")]
        return max(chains, key=len, default=path)

    chain = max((longest(name, (name,)) for name in graph), key=len)
    assert len(chain) <= MAX_CHAIN, " -> ".join(chain)
