"""Every command and Python snippet of README.md and docs/*.md runs as written, so the
docs cannot drift from the tool (as sqlite-utils checks its docs with cog).

A document's fenced ```bash and ```python blocks run in order in a folder of its own
holding copies of the samples (sample_workbooks/, docs/examples/), my-business.xlsx (a
filled-in workbook: the typical sample) and clients/ (the samples); each shell command
must exit 0. An HTML comment just above a block, invisible on the rendered page, says
more to this test:

    <!-- docs-test: exit 1 -->                     each command of the block exits 1
    <!-- docs-test: skip needs Excel -->           not run; the reason is listed
    <!-- docs-test: needs jq -->                    not run where jq is not installed
    <!-- docs-test: given my-business.xlsx=none --> a file removed (or =PATH: copied
                                                     from the project) before the block
    <!-- docs-test: first 1 REASON -->               only the block's first command runs; the
                                                     others are listed with the reason
    <!-- docs-test: installed -->                   the block's leading `python3 -m venv
                                                     .venv && .venv/bin/pip install ... &&`
                                                     is not run (this is an installed copy)
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from support.paths import DOCS, MISTAKES_SAMPLE, PROJECT, SAMPLES, TYPICAL_SAMPLE

from xlsheet_outsource.write.libreoffice import find_soffice

DOCUMENTS = [PROJECT / "README.md", *sorted(DOCS.glob("*.md"))]
RUN = ("bash", "python")
# A fenced block (indented too, in a list) and the directives just above it.
_BLOCK = re.compile(r"((?:[ \t]*<!-- docs-test: .*? -->\n)*)[ \t]*```(\w*)\n(.*?)```", re.S)
_DIRECTIVE = re.compile(r"<!-- docs-test: (\w+) ?(.*?) -->")
NEEDS_LIBREOFFICE = re.compile(r"\brender\b|--pdf\b")
INSTALL = re.compile(r"^python3 -m venv \.venv && \.venv/bin/pip install [^&]*&& ")


@dataclass
class Block:
    document: str
    line: int
    language: str
    code: str
    exit_code: int = 0
    skip: str | None = None
    installed: bool = False
    first: int | None = None  # run only this many of the block's commands
    rest: str = ""  # why the others are not run
    given: dict[str, str] = field(default_factory=dict)

    def __str__(self) -> str:
        return f"{self.document}:{self.line}"


def blocks(document: Path) -> list[Block]:
    text = document.read_text(encoding="utf-8")
    found = []
    for match in _BLOCK.finditer(text):
        if match[2] not in RUN:
            continue
        block = Block(document.name, text.count("\n", 0, match.start(2)) + 1, match[2],
                      textwrap.dedent(match[3]))
        for word, rest in _DIRECTIVE.findall(match[1]):
            if word == "exit":
                block.exit_code = int(rest)
            elif word == "skip":
                block.skip = rest
            elif word == "needs":
                block.skip = None if shutil.which(rest) else f"needs {rest}, not installed here"
            elif word == "first":
                count, _, block.rest = rest.partition(" ")
                block.first = int(count)
            elif word == "installed":
                block.installed = True
            elif word == "given":
                block.given.update(item.split("=", 1) for item in rest.split())
            else:
                raise AssertionError(f"{block}: unknown docs-test directive {word!r}")
        if block.skip is None and block.language == "bash" and NEEDS_LIBREOFFICE.search(
                block.code) and find_soffice() is None:
            block.skip = "needs LibreOffice, not installed here"
        found.append(block)
    return found


ALL_BLOCKS = [block for document in DOCUMENTS for block in blocks(document)]


def commands(code: str) -> list[str]:
    """The shell commands of a block: continued lines joined, comments and blanks left out."""
    joined = code.replace("\\\n", " ")
    return [line for line in joined.splitlines() if line.strip() and not line.lstrip().startswith("#")]


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copytree(SAMPLES, tmp_path / "sample_workbooks")
    shutil.copytree(MISTAKES_SAMPLE.parent, tmp_path / "docs" / "examples")
    shutil.copy(TYPICAL_SAMPLE, tmp_path / "my-business.xlsx")
    shutil.copytree(SAMPLES, tmp_path / "clients", ignore=shutil.ignore_patterns("*.py"))
    (tmp_path / ".venv").symlink_to(Path(sys.prefix))  # the Quick start's .venv/bin/...
    home = tmp_path / ".home"  # no mail.toml or keyring of the user's
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("PATH", f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("COLUMNS", "80")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run_block(block: Block, folder: Path) -> None:
    for name, source in block.given.items():
        target = folder / name
        if target.is_dir():
            shutil.rmtree(target)
        else:
            target.unlink(missing_ok=True)
        if source != "none":
            (shutil.copytree if (PROJECT / source).is_dir() else shutil.copy)(PROJECT / source, target)
    if block.language == "python":
        exec(compile(block.code, str(block), "exec"), {"__name__": "__docs__"})
        return
    for command in commands(block.code)[:block.first]:
        if block.installed:
            assert INSTALL.match(command), f"{block}: `{command}` does not start by installing"
            command = INSTALL.sub("", command)
        result = subprocess.run(["bash", "-c", command], cwd=folder, capture_output=True,
                                text=True, timeout=300)
        assert result.returncode == block.exit_code, (
            f"{block}: `{command}` exited {result.returncode}, the docs say "
            f"{block.exit_code}\n{result.stdout}{result.stderr}")


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda path: path.name)
def test_every_command_and_snippet_runs(document: Path, workspace: Path) -> None:
    """A document's blocks in order, in one folder: a later one may use what an earlier
    one wrote, as the reader following the page would."""
    for block in blocks(document):
        if block.skip is None:
            run_block(block, workspace)


@pytest.mark.parametrize("block", [b for b in ALL_BLOCKS if b.skip or b.first], ids=str)
def test_what_is_not_run_says_why(block: Block) -> None:
    if block.first is not None:
        assert block.rest, f"{block}: say why the commands after the first {block.first} are not run"
        pytest.skip(f"{block}: only its first {block.first} command(s) run: {block.rest}")
    pytest.skip(f"{block} not run: {block.skip}")


def test_the_docs_have_blocks_to_run() -> None:
    """The test cannot pass by finding nothing: the README's and the guide's commands run."""
    run = {block.document for block in ALL_BLOCKS if block.skip is None}
    assert {"README.md", "guide.md", "commands.md"} <= run


def test_the_public_api_names_what_the_readme_says() -> None:
    import xlsheet_outsource as xo
    for name in ("check_workbook", "add_template", "new_template", "run_batch", "task_records",
                 "XlsheetOutsourceError", "InputError", "FileError", "UsageError"):
        assert callable(getattr(xo, name)), name
    with pytest.raises(AttributeError):
        xo.no_such_thing  # noqa: B018
