"""The house rules of docs/architecture.md, checked on the source: imports point inward
and down, the engine and the zip layer stand alone, only the CLI speaks click."""

from __future__ import annotations

import ast
import functools
import itertools
import sys
from collections.abc import Iterator
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
def imports(at_import_time: bool = False) -> dict[str, set[str]]:
    """Every module's imports, as full names: the package's own modules, or the top-level
    name of anything else. All of them (inside functions and TYPE_CHECKING blocks too), or
    only those that run when the module is imported."""
    known = modules()
    found: dict[str, set[str]] = {}
    for name, path in known.items():
        base = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
        tree = ast.parse(path.read_text(encoding="utf-8"))
        targets: set[str] = set()
        for node in _top_level(tree.body) if at_import_time else ast.walk(tree):
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


def _top_level(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """Statements run on import: not in functions or classes, nor under TYPE_CHECKING."""
    for node in body:
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            yield from _top_level(node.orelse)
        elif isinstance(node, (ast.If, ast.Try)):
            yield from _top_level(node.body)
            yield from _top_level(node.orelse)
            for handler in getattr(node, "handlers", []):
                yield from _top_level(handler.body)
        else:
            yield node


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
    return all(a.startswith(b + ".") or b.startswith(a + ".") for a, b in itertools.pairwise(cycle))


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
    """Importing any module loads at most MAX_CHAIN modules one behind the other. Imports
    inside functions (deliberately late, for start-up time) and for type checking only are
    not counted; a package's __init__ re-exporting its members is no extra step."""
    graph = {name: own(targets) for name, targets in imports(at_import_time=True).items()}

    longest: dict[str, tuple[str, ...]] = {}

    def chain_from(node: str) -> tuple[str, ...]:
        if node not in longest:
            longest[node] = (node,)  # while it is worked out: a cycle ends here
            tails = [chain_from(step) for step in graph[node]]
            longest[node] = (node, *max(tails, key=_steps, default=()))
        return longest[node]

    chain = max((chain_from(name) for name in graph), key=_steps)
    assert _steps(chain) <= MAX_CHAIN, " -> ".join(chain)


def _steps(chain: tuple[str, ...]) -> int:
    return sum(modules()[name].name != "__init__.py" for name in chain)
