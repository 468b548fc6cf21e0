"""Hostile and broken input (issue 8): every file gets an answer within the limits,
package attacks are refused, user text is never a formula, nothing is lost. No answer
to any of these files (mutated samples, package attacks, the corpus as it is and
grafted) says "a bug in xlsheet-outsource": isolated.failures counts each one that does.

The whole-set tests print a tally by outcome (run with -s to see it when they pass);
docs/reliability.md records it. Longer runs:

    XLSHEET_FUZZ_EXAMPLES=5000 pytest tests/test_hostile.py -k fuzz -s
    XLSHEET_CORPUS_FULL=1 pytest tests/test_hostile.py -k corpus -s   # every corpus file grafted
"""

from __future__ import annotations

import functools
import hashlib
import multiprocessing
import os
import random
import re
import resource
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support import hostile_files, isolated

from xlsheet_outsource import api, reading
from xlsheet_outsource.ooxml import scan
from xlsheet_outsource.write import files

FUZZ_EXAMPLES = int(os.environ.get("XLSHEET_FUZZ_EXAMPLES", "60"))
CORPUS_FULL = os.environ.get("XLSHEET_CORPUS_FULL") == "1"
POSIX = os.name == "posix"


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def report(capsys, title: str, runs: list[isolated.Run]) -> None:
    with capsys.disabled():
        print("\n" + isolated.format_tally(title, runs))


# --- every input gets an answer ------------------------------------------------------------

@pytest.fixture(scope="module")
def mutated_runs(tmp_path_factory) -> dict[str, isolated.Run]:
    files = hostile_files.mutated_samples(tmp_path_factory.mktemp("mutated"))
    return {Path(run.file).stem: run for run in isolated.run_all(files)}


def test_every_mutated_sample_gets_an_answer(mutated_runs, capsys):
    report(capsys, "mutated samples", list(mutated_runs.values()))
    assert isolated.failures(mutated_runs.values()) == []


# What each kind of damage gets: "decided", "decided, with row problems", or a pattern of
# the refusal (check and process must agree).
EXPECTED = {
    "truncated-0.5": "not a readable zip package",
    "flipped-3": "is damaged|inflates to more than",  # by where the flipped bits fall
    "no-workbook-part": "no workbook part",
    "no-tasks-part": "sheet 'Tasks' has no part",
    "no-styles": "decided",
    "big-picture": "decided",
    "tasks-sheet-truncated": "sheet 'Tasks'.* cannot be read",
    "tasks-listed-twice": "decided",
    "tasks-and-TASKS": "decided",
    "target-outside": "sheet 'Tasks' has no part",
    "target-roundabout": "in an unusual way",
    "huge-dimension": "decided",
    "last-row-height": "decided",
    "value-in-last-row": r"as far as K1048576: 11,534,336 cells",
    "value-in-last-cell": "as far as XFD1048576",
    "styled-empty-last-cell": "decided",
    "far-cell-single-quoted": "as far as XFD1048576",
    "far-cell-spaced": "as far as XFD1048576",
    "far-cell-prefixed": "as far as XFD1048576",
    "far-cell-after-quoted-gt": "as far as XFD1048576",
    "far-cell-after-quoted-lt": "sheet 'Tasks'.* cannot be read",
    "far-row-number": "as far as K99999999999",
    "far-column-letters": "as far as ZZZ",
    "unbalanced-quotes": "sheet 'Tasks'.* cannot be read",
    "name-to-last-row": r"Settings!B1048576: hourly worth is missing",
    "style-count-absurd": "decided",
    "styles-as-many-as-excel-allows": "decided",
    "styles-beyond-excel": r"has [\d,]+ cell formats \(Excel allows about 64,000",
    "hours-text": "decided, with row problems",
    "hours-formula-uncached": "decided, with row problems",
    "hours-formula-cached": "decided",
    "hours-injection": "decided, with row problems",
    "hourly-worth-error": "hourly worth holds the error #N/A",
    "hourly-worth-formula-uncached": "hourly worth has a formula with no saved result",
    "merged-inputs": "decided",  # a Hours each merged down is every row's (issue 17)
    "merged-where-results-go": "decided",
    "hidden-and-filtered-rows": "decided",
    "hidden-sheets": "decided",
}


@pytest.mark.parametrize("name", EXPECTED)
def test_each_kind_of_damage_gets_its_answer(mutated_runs, name):
    run = mutated_runs[name]
    assert run.check == run.process
    if EXPECTED[name].startswith("decided"):
        assert run.process == EXPECTED[name], run.message
    else:
        assert run.process == "refused" and re.search(EXPECTED[name], run.message), run.message


def test_the_command_answers_in_lines_of_its_own(mutated_runs, tmp_path):
    """One file of every outcome through the real command: exit 0 or 1, no traceback,
    every message one line naming the file."""
    chosen = {}
    for _, run in sorted(mutated_runs.items()):
        kind = isolated.tally([run]).most_common(1)[0][0]
        chosen.setdefault(kind, Path(run.file))

    def both(path: Path) -> list[tuple[Path, subprocess.CompletedProcess]]:
        out = tmp_path / f"{path.stem}.out.xlsx"
        return [(path, isolated.run_cli("check", path)),
                (path, isolated.run_cli("process", path, "-o", out))]

    with ThreadPoolExecutor(2) as pool:
        results = [r for pair in pool.map(both, chosen.values()) for r in pair]
    for path, result in results:
        assert result.returncode in (0, 1), result.stderr
        assert "Traceback" not in result.stderr and isolated.BUG not in result.stderr
        for line in result.stderr.splitlines():
            assert line.startswith(f"{path.name}: "), line


FREEZE_CASES = ("merged-whole-sheet", "hyperlink-whole-column", "styles-as-many-as-excel-allows",
                "no-styles", "no-comments-part", "tasks-sheet-garbage", "types-empty",
                "hours-nan", "hours-control-chars", "style-index-absurd",
                "sheet-without-relationship", "hidden-and-filtered-rows")


def test_freeze_answers_what_openpyxl_cannot_load(mutated_runs, tmp_path):
    """`freeze` rewrites the workbook with openpyxl: what openpyxl would choke on (cells
    of huge merged or linked ranges, tens of thousands of formats, damaged parts) gets
    one line too."""
    def freeze(name: str) -> tuple[str, subprocess.CompletedProcess]:
        return name, isolated.run_cli("freeze", mutated_runs[name].file, "-o",
                                      tmp_path / f"{name}.frozen.xlsx")

    with ThreadPoolExecutor(2) as pool:
        for name, result in pool.map(freeze, FREEZE_CASES):
            assert result.returncode in (0, 1) and "Traceback" not in result.stderr, result.stderr
            assert all(line.startswith(f"{name}.xlsx: ") for line in result.stderr.splitlines())


def test_package_attacks_are_refused_within_the_limits(tmp_path, capsys):
    attacks = hostile_files.package_attacks(tmp_path)
    runs = isolated.run_all(attacks)
    report(capsys, "package attacks", runs)
    assert isolated.failures(runs) == []
    for run in runs:
        pattern = attacks[Path(run.file)]
        assert (run.check, run.process) == ("refused", "refused"), run.file
        assert re.search(pattern, run.message), f"{Path(run.file).name}: {run.message}"
        assert "root:" not in run.message  # nothing of /etc/passwd came through


def test_corpus_gets_an_answer(tmp_path, capsys):
    """Every corpus file as it is, and (a few of each feature, or all with
    XLSHEET_CORPUS_FULL=1) with Settings, Tasks and Quotes grafted in, so that `process`
    writes into every kind of real-world file."""
    files = hostile_files.corpus_files()
    sheets = hostile_files.contract_sheets()
    grafted = []
    for source in files if CORPUS_FULL else hostile_files.feature_sample(files):
        target = tmp_path / f"grafted-{source.name}"
        if hostile_files.graft_contract(source, target, sheets):
            grafted.append(target)
    runs = isolated.run_all(files + grafted)
    report(capsys, f"corpus ({len(files)} as they are, {len(grafted)} grafted)", runs)
    assert isolated.failures(runs) == []
    assert sum(run.process == "decided" for run in runs) >= len(grafted) * 0.9


def test_what_is_not_a_regular_file_is_refused_at_once(tmp_path):
    if POSIX:
        os.mkfifo(tmp_path / "pipe.xlsx")  # opening it would wait for a writer forever
        assert "not a regular file" in str(api.check_workbook(tmp_path / "pipe.xlsx").fatal[0])
    assert "is a folder" in str(api.check_workbook(tmp_path).fatal[0])
    assert "file not found" in str(api.check_workbook(tmp_path / "missing.xlsx").fatal[0])


def test_a_sheet_too_big_to_read_is_refused_in_words(sample, monkeypatch):
    monkeypatch.setattr(scan, "MAX_SHEET_CELLS", 100)
    problem = str(api.check_workbook(sample).fatal[0])
    assert re.search(r"sheet '\w+' has [\d,]+ cells, more than this tool reads \(100\)", problem)


# --- formula injection ---------------------------------------------------------------------

PAYLOADS = ('=HYPERLINK("http://example.invalid","x")', "+1+1", "-2+3", "@SUM(1)",
            "=cmd|' /C calc'!A0")


def test_user_text_is_written_as_text(sample, tmp_path):
    wb = openpyxl.load_workbook(sample)
    tasks, quotes = wb["Tasks"], wb["Quotes"]
    notes = next(cell.column for cell in tasks[1] if cell.value == "Notes")
    for row, payload in enumerate(PAYLOADS, start=2):
        for cell in (tasks.cell(row, 2), tasks.cell(row, 3), tasks.cell(row, notes)):
            cell.value, cell.data_type = payload, "s"  # typed as text by the user
    quote_rows = {quotes.cell(r, 1).value: r for r in range(2, quotes.max_row + 1)}
    for row, payload in enumerate(PAYLOADS, start=2):
        if tasks.cell(row, 1).value in quote_rows:
            cell = quotes.cell(quote_rows[tasks.cell(row, 1).value], 2)
            cell.value, cell.data_type = payload, "s"
    wb.save(sample)
    out = tmp_path / "out.xlsx"
    outcome = api.process_workbook(sample, out)
    assert outcome.output == out, outcome.problems
    written = openpyxl.load_workbook(out)
    seen = set()
    for sheet in ("Tasks", "Quotes", "Summary", "For accountant"):
        for row in written[sheet].iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.value.lstrip("=") in {
                        p.lstrip("=") for p in PAYLOADS}:
                    assert cell.data_type == "s", f"{sheet}!{cell.coordinate}: {cell.value}"
                    seen.add(sheet)
    assert {"Tasks", "Summary", "For accountant"} <= seen
    with zipfile.ZipFile(out) as package_:
        for name in package_.namelist():
            if name.startswith("xl/worksheets/"):
                assert not re.search(rb"<f>[^<]*(cmd\||HYPERLINK|SUM\(1\))", package_.read(name))


# --- never lose data -----------------------------------------------------------------------

def _process_in_child(source: str, out: str | None) -> None:
    api.process_workbook(source, out, in_place=out is None)


@pytest.mark.skipif(not POSIX, reason="SIGKILL and fork are POSIX")
def test_a_run_killed_while_writing_loses_nothing(sample):
    """Killed at random moments (mostly while writing), in place and to a new file: the
    workbook is always whole (the old one, or for --in-place the decided one), the
    backup and the output are whole or absent, and the next run leaves nothing behind."""
    original = digest(sample)
    out = sample.with_name("out.xlsx")
    started = time.monotonic()
    _process_in_child(str(sample), str(out))
    duration = time.monotonic() - started
    out.unlink()
    rng = random.Random(8)
    context = multiprocessing.get_context("fork")
    for round_ in range(20):
        in_place = round_ % 2 == 0
        child = context.Process(target=_process_in_child,
                                args=(str(sample), None if in_place else str(out)))
        child.start()
        time.sleep(rng.uniform(0.3, 1.1) * duration)
        child.kill()
        child.join()
        assert digest(sample) == original or _decided(sample), round_
        backup = api.backup_path(sample)
        assert not backup.exists() or digest(backup) == original or _decided(backup), round_
        assert not out.exists() or _decided(out), round_
        visible = {p.name for p in sample.parent.iterdir() if not p.name.startswith(".~")}
        assert visible <= {sample.name, backup.name, out.name}, visible
    for target in (sample, out):
        outcome = api.process_workbook(sample, None if target == sample else out,
                                       in_place=target == sample)
        assert outcome.ok, outcome.problems
    assert [p.name for p in sample.parent.iterdir() if p.name.startswith(".~")] == []


def _decided(path: Path) -> bool:
    return isolated.decided_workbook(path) and not reading.read_workbook(path).fatal


def test_a_second_run_on_the_same_workbook_is_refused_while_the_first_writes(sample):
    with files.exclusive(sample):
        outcome = api.process_workbook(sample, in_place=True)
    assert re.search(r"another xlsheet-outsource run is writing small_agency.xlsx",
                     str(outcome.fatal[0]))
    assert api.process_workbook(sample, in_place=True).ok


@pytest.mark.skipif(not POSIX, reason="fork is POSIX")
def test_runs_at_once_on_one_workbook_never_corrupt_it(sample):
    original = digest(sample)
    context = multiprocessing.get_context("fork")
    runs = [context.Process(target=_process_in_child, args=(str(sample), None))
            for _ in range(6)]
    for run in runs:
        run.start()
    for run in runs:
        run.join()
    assert _decided(sample)
    backup = api.backup_path(sample)
    assert digest(backup) == original or _decided(backup)
    assert [p.name for p in sample.parent.iterdir() if p.name.startswith(".~")] == []


def test_the_workbook_is_never_its_own_output_without_in_place(sample):
    before = digest(sample)
    outcome = api.process_workbook(sample, sample)
    assert "--in-place" in str(outcome.fatal[0])
    assert digest(sample) == before


@pytest.mark.parametrize("lock_name", ["~${}", ".~lock.{}#"])
def test_a_workbook_open_in_excel_or_libreoffice_is_not_written_over(sample, lock_name):
    before = digest(sample)
    (sample.parent / lock_name.format(sample.name)).write_bytes(b"someone")
    outcome = api.process_workbook(sample, in_place=True)
    assert re.search(r"is open in Excel or LibreOffice .*close it and try again",
                     str(outcome.fatal[0]))
    assert digest(sample) == before and not api.backup_path(sample).exists()
    output = api.default_output(sample)
    (sample.parent / lock_name.format(output.name)).write_bytes(b"someone")
    assert "is open in Excel or LibreOffice" in str(api.process_workbook(sample).fatal[0])


@pytest.fixture
def read_only_folder(tmp_path, sample) -> Path:
    """The sample in a folder nobody may write to: a read-only mount as root (root may
    write anywhere else), else a folder without write permission."""
    if os.geteuid() != 0:
        tmp_path.chmod(0o555)
        yield tmp_path
        tmp_path.chmod(0o755)
        return
    mount = tmp_path / "mnt"
    mount.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mount)]).returncode:
        pytest.skip("cannot mount a file system here")
    try:
        shutil.copy(sample, mount)
        subprocess.run(["mount", "-o", "remount,ro", str(mount)], check=True)
        yield mount
    finally:
        subprocess.run(["umount", str(mount)])


@pytest.mark.skipif(not POSIX, reason="POSIX permissions and mounts")
def test_a_read_only_folder_gets_a_clear_message(read_only_folder):
    workbook = read_only_folder / hostile_files.SAMPLE.name
    before = digest(workbook)
    for outcome in (api.process_workbook(workbook), api.process_workbook(workbook, in_place=True)):
        assert re.search(r"cannot write small_agency.*: the folder .* is read-only or you may "
                         r"not write there; write the results somewhere else; nothing was changed",
                         str(outcome.fatal[0]))
    assert api.check_workbook(workbook).ok
    assert digest(workbook) == before
    result = isolated.run_cli("process", workbook)
    assert result.returncode == 1 and result.stderr.count("\n") == 1, result.stderr


def _fill(folder: Path, leave: int) -> None:
    """Fill the file system of ``folder`` until ``leave`` bytes are free."""
    free = shutil.disk_usage(folder).free - leave
    (folder / "filler").write_bytes(bytes(max(free, 0)))


@pytest.fixture(params=["tiny file system", "file size limit"])
def no_room(request, tmp_path, sample):
    """How to run `process --in-place` with no room to write: as root, on a tmpfs of 1 MB
    filled up (ENOSPC); for anyone, under a file size limit (EFBIG), which fails the same
    write calls."""
    if request.param == "file size limit":
        yield sample, functools.partial(_run_with_file_size_limit, sample, 8 * 1024)
        return
    mount = tmp_path / "mnt"
    mount.mkdir()
    if os.geteuid() != 0 or subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount)]).returncode:
        pytest.skip("mounting a tmpfs needs root")
    try:
        workbook = Path(shutil.copy(sample, mount))
        _fill(mount, leave=8 * 1024)
        yield workbook, functools.partial(isolated.run_cli, "process", workbook, "--in-place")
    finally:
        subprocess.run(["umount", str(mount)])


@pytest.mark.skipif(not POSIX, reason="POSIX file systems and limits")
def test_a_full_disk_gets_a_clear_message_and_leaves_nothing_half_written(no_room):
    workbook, run = no_room
    result = run()
    assert result.returncode == 1, result.stderr
    assert re.search(r"cannot write small_agency.*: the disk is full.*nothing was changed",
                     result.stderr), result.stderr
    assert "Traceback" not in result.stderr
    assert digest(workbook) == digest(hostile_files.SAMPLE)
    assert [p.name for p in workbook.parent.iterdir() if p.name.startswith(".~")] == []


def _run_with_file_size_limit(workbook: Path, limit: int) -> subprocess.CompletedProcess:
    def limited() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a failed write, not a killed process
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return subprocess.run([sys.executable, "-m", "xlsheet_outsource.cli", "process",
                           str(workbook), "--in-place"], capture_output=True, text=True,
                          timeout=60, preexec_fn=limited)


# --- fuzzing the reader --------------------------------------------------------------------

with zipfile.ZipFile(hostile_files.SAMPLE) as _sample:
    SAMPLE_PARTS = {name: _sample.read(name) for name in _sample.namelist()}
XML_PARTS = sorted(name for name in SAMPLE_PARTS if name.endswith((".xml", ".rels")))
CONTRACT_PARTS = [hostile_files.SETTINGS_PART, hostile_files.TASKS_PART, hostile_files.QUOTES_PART]
# Elements that stress a reader when they arrive whole: far cells, odd addresses, ...
STRUCTURES = [b'<c r="XFD1048576"><v>1</v></c>', b'<c r="A1048576"><v>1</v></c>',
              b'<c r="ZZZZ1"><v>1</v></c>', b'<c r="A0"><v>1</v></c>', b"<c><v>1</v></c>",
              b'<row r="1048576"><c><v>1</v></c></row>',
              b'<row r="99999999999"><c><v>1</v></c></row>',
              b'<c r="B2" t="e"><v>#REF!</v></c>', b'<c r="B2"><f>1/0</f></c>',
              b'<c r="B2" t="s"><v>99999</v></c>', b"<si><t>x</t></si>", b'<xf numFmtId="999999"/>',
              b'<sheet name="Tasks" sheetId="1" r:id="rId1"/>', b'<mergeCell ref="A1:XFD1048576"/>',
              b'<definedName name="HourlyWorth">Tasks!$XFD$1048576</definedName>',
              b'<Relationship Id="rId3" Type="x" Target="../../../etc/passwd"/>']
# Pieces of markup and bytes that break it in the ways fuzzers find.
SYNTAX = [b"<", b">", b"/>", b'"', b"'", b"&", b"&amp;", b"&#0;", b"\x00", b"\xff\xfe",
          b"<!DOCTYPE x [<!ENTITY a \"b\">]>", b"&a;", b'uniqueCount="99999999999"',
          b'<dimension ref="A1:XFD1048576"/>', b't="e"', b't="s"', b't="zz"', b's="99999999"',
          b'r="XFD1048576"', b"<is><t>", b"</t></is>", b"<![CDATA[", b"]]>", b"<!--", b"-->"]


# Where an element may go and stay readable, so that it reaches the reader as what it is.
ELEMENT_BOUNDARY = re.compile(
    rb"<(?=/?(?:c|row|sheetData|sheet|sheets|si|sst|Relationship|definedName|xf)[\s/>])")


@st.composite
def damaged_workbooks(draw) -> bytes:
    """The sample with one part (or the zip itself) damaged the ways fuzzers find."""
    parts = dict(SAMPLE_PARTS)
    part = draw(st.sampled_from(CONTRACT_PARTS) | st.sampled_from(XML_PARTS))
    data = bytearray(parts[part])
    for _ in range(draw(st.integers(1, 4))):
        edit = draw(st.sampled_from(["structure", "syntax", "bytes", "delete", "flip"]))
        at = draw(st.integers(0, len(data)))
        if edit == "structure":
            places = [match.start() for match in ELEMENT_BOUNDARY.finditer(data)] or [at]
            at = draw(st.sampled_from(places))
            data[at:at] = draw(st.sampled_from(STRUCTURES))
        elif edit == "syntax":
            data[at:at] = draw(st.sampled_from(SYNTAX))
        elif edit == "bytes":
            data[at:at] = draw(st.binary(min_size=1, max_size=8))
        elif edit == "delete":
            del data[at:at + draw(st.integers(1, 200))]
        elif data:
            data[min(at, len(data) - 1)] ^= 1 << draw(st.integers(0, 7))
    parts[part] = bytes(data)
    stream = _zip_bytes(parts)
    if draw(st.booleans()) and draw(st.booleans()):  # now and then, damage the zip too
        cut = draw(st.integers(0, len(stream)))
        stream = stream[:cut] if draw(st.booleans()) else hostile_files.flip_bits(stream, cut, 2)
    return stream


def _zip_bytes(parts: dict[str, bytes]) -> bytes:
    from io import BytesIO
    buffer = BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as out:
        for name, data in parts.items():
            out.writestr(name, data)
    return buffer.getvalue()


def _read_in_child(path: str, conn) -> None:
    isolated.limit_memory()
    found = reading.read_workbook(path)
    conn.send([str(p) for p in found.fatal])


@pytest.mark.skipif(not POSIX, reason="fork is POSIX")
@settings(max_examples=FUZZ_EXAMPLES, deadline=None, derandomize=FUZZ_EXAMPLES <= 100,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                 HealthCheck.function_scoped_fixture])
@given(workbook=damaged_workbooks())
def test_fuzz_the_reader_never_raises_hangs_or_crashes(tmp_path, workbook):
    """Each example is read in a forked child with the memory limit: an exception, a
    crash (a Rust abort), a hang or a blown memory fails the test with that example."""
    path = tmp_path / "fuzzed.xlsx"
    path.write_bytes(workbook)
    parent, child = multiprocessing.get_context("fork").Pipe()
    reader = multiprocessing.get_context("fork").Process(target=_read_in_child,
                                                         args=(str(path), child))
    reader.start()
    answered = parent.poll(isolated.SECONDS_BUDGET)
    if not answered:
        reader.kill()
    reader.join()
    assert answered, "the reader took more than 20 s"
    assert reader.exitcode == 0, f"the reader died (exit code {reader.exitcode})"
    for problem in parent.recv():
        assert "\n" not in problem and problem.strip(), problem
