"""A workbook package open for the tool's changes: its sheets by name, the parts that
list them (workbook, its relationships, content types, styles, app properties), and
saving it all into a stream, with every other part as it came."""

from __future__ import annotations

from pathlib import Path
from typing import BinaryIO

from . import app_properties, content_types, relationships, styles, worksheet
from .archive import PackageParts
from .package import Package, PackageError
from .relationships import OFFICE_TYPES, Relationship, Relationships, rels_name, source_of
from .workbook import WorkbookXml

WORKSHEET_REL = OFFICE_TYPES + "worksheet"
CALC_CHAIN_REL = OFFICE_TYPES + "calcChain"
MACRO_SUFFIXES = {".xlsm", ".xltm"}
MAIN_TYPES = {  # the workbook part's content type, by the file's extension
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
    ".xlsm": "application/vnd.ms-excel.sheet.macroEnabled.main+xml",
    ".xltx": "application/vnd.openxmlformats-officedocument.spreadsheetml.template.main+xml",
    ".xltm": "application/vnd.ms-excel.template.macroEnabled.main+xml",
}


class WorkbookPackage:
    def __init__(self, path: Path | str, checked: Package | None = None) -> None:
        """``checked``: the same file as the reader opened it (its checks not repeated)."""
        self.path = Path(path)
        self.package = checked.reopened() if checked and checked.path == self.path \
            else Package(self.path)
        self.parts = PackageParts(self.package)
        try:
            self.workbook_part = self.package.index().workbook_part
            self.workbook = WorkbookXml(self.parts.read(self.workbook_part))
            self.relationships = Relationships(self.workbook_part,
                                               self._read(rels_name(self.workbook_part)))
            self.content_types = content_types.ContentTypes(self.parts.read(content_types.PART))
            style_rels = self.relationships.of_type("styles")
            self.styles_part = style_rels[0].target if style_rels else "xl/styles.xml"
            self.styles = styles.StyleSheet(self._read(self.styles_part))
        except BaseException:
            self.parts.close()
            self.package.close()
            raise
        self.added_sheets: list[str] = []
        self.formulas_removed = False

    def __enter__(self) -> WorkbookPackage:
        return self

    def __exit__(self, *exc: object) -> None:
        self.parts.close()
        self.package.close()

    def _read(self, part: str) -> bytes | None:
        return self.parts.read(part) if part in self.parts else None

    # --- sheets ---------------------------------------------------------------------

    def sheet_names(self) -> list[str]:
        return [entry.name for entry in self.workbook.sheets()]

    def sheet_position(self, name: str) -> int:
        """Where the sheet stands among the sheets (what localSheetId counts)."""
        return [n.casefold() for n in self.sheet_names()].index(name.casefold())

    def sheet_part(self, name: str) -> str | None:
        """The worksheet part of the sheet called ``name`` (case-insensitively)."""
        wanted = name.casefold()
        for entry in self.workbook.sheets():
            if entry.name.casefold() == wanted:
                rel = self.relationships.get(entry.rid)
                return rel.target if rel and not rel.external else None
        return None

    def rewrite_sheet(self, name: str, edit: worksheet.SheetEdit) -> int:
        """The sheet rewritten (worksheet.rewrite); how many pages wide it now prints
        (Rewritten.pages_wide: 0, as it did)."""
        part = self.sheet_part(name)
        if part is None or part not in self.parts:
            raise PackageError(f"is damaged: sheet {name!r} has no part")
        rewritten = worksheet.rewrite(self.parts.read(part), edit)
        self.parts.write_pieces(part, rewritten.pieces)
        self.formulas_removed |= rewritten.removed_formulas
        return rewritten.pages_wide

    def clear_sheet(self, name: str) -> str:
        """Make room for a sheet called ``name``: an existing one's parts are removed, its
        entry in the workbook kept (same place, same id). Returns the part to write."""
        wanted = name.casefold()
        entry = next((e for e in self.workbook.sheets() if e.name.casefold() == wanted), None)
        rel = self.relationships.get(entry.rid) if entry else None
        if entry is None or rel is None or rel.external:
            return self.free_name("xl/worksheets/sheet{}.xml")
        self.formulas_removed |= rel.target in self.parts and worksheet.has_formulas(
            self.parts.read(rel.target))
        self.remove_part_tree(rel.target)
        if rel.type == WORKSHEET_REL:
            return rel.target
        part = self.free_name("xl/worksheets/sheet{}.xml")
        self.relationships.set(entry.rid, WORKSHEET_REL, part)
        return part

    def list_sheet(self, name: str, part: str) -> None:
        """Name the worksheet ``part`` in the workbook (appended, unless already there)."""
        if self.sheet_part(name) == part:
            return
        self.workbook.add_sheet(name, self.relationships.add(WORKSHEET_REL, part))
        self.added_sheets.append(name)

    # --- parts ------------------------------------------------------------------------

    def free_name(self, pattern: str) -> str:
        """A name for a new part: no part has it, and no content type names it (some files
        name parts they do not have; reusing such a name would change that entry)."""
        return self.parts.free_name(pattern, self.content_types.named())

    def add_part(self, part: str, data: bytes, content_type: str,
                 links: list[Relationship]) -> None:
        self.parts.write(part, data)
        self.content_types.set(part, content_type)
        if links:
            rels = Relationships(part, None)
            for link in links:
                rels.add(link.type, link.target, link.id, link.external)
            # Typed even where the package has no Default for .rels (it types each part).
            self.parts.write(rels_name(part), rels.xml)
            self.content_types.set(rels_name(part), relationships.CONTENT_TYPE)

    def remove_part_tree(self, part: str) -> None:
        """Remove ``part`` and the parts only it leads to (its drawing, that drawing's
        charts, ...); a part something else still points to stays."""
        removing = self._tree(part)
        while True:
            still_used = self._targets(excluding=removing) & removing
            still_used.discard(part.casefold())
            if not still_used:
                break
            removing -= still_used
        for name in [n for n in self.parts.names if n.casefold() in removing]:
            self.parts.remove(name)
            self.parts.remove(rels_name(name))
            self.content_types.remove(name)
            self.content_types.remove(rels_name(name))

    def links(self, part: str) -> list[Relationship]:
        rels = self._read(rels_name(part))
        return Relationships(part, rels).entries() if rels is not None else []

    def _tree(self, part: str) -> set[str]:
        found, queue = {part.casefold()}, [part]
        while queue:
            for link in self.links(queue.pop()):
                if not link.external and link.target.casefold() not in found:
                    found.add(link.target.casefold())
                    queue.append(link.target)
        return found

    def _targets(self, excluding: set[str]) -> set[str]:
        """Every part some relationship points to, from a part not in ``excluding``."""
        targets = set()
        for name in self.parts.names:
            source = source_of(name)
            if source is None or source.casefold() in excluding:
                continue
            links = Relationships(source, self.parts.read(name)).entries()
            targets |= {link.target.casefold() for link in links if not link.external}
        return targets

    # --- saving -----------------------------------------------------------------------

    def match_kind(self, target: Path) -> None:
        """Excel refuses a file whose extension contradicts its content (macros, template)."""
        suffix = target.suffix.lower()
        main_type = self.content_types.of(self.workbook_part) or ""
        has_macros = "macroEnabled" in main_type
        if has_macros and suffix not in MACRO_SUFFIXES:
            raise ValueError(f"{target.name}: the workbook has macros, so the result must be "
                             "saved as .xlsm to keep them")
        if not has_macros and suffix in MACRO_SUFFIXES:
            raise ValueError(f"{target.name}: a workbook without macros must be saved as .xlsx")
        if suffix in MAIN_TYPES:
            self.content_types.set(self.workbook_part, MAIN_TYPES[suffix])

    def save(self, stream: BinaryIO) -> None:
        """The workbook as a zip into ``stream``; the source file is closed after it, so
        that the caller may rename the result over it (Windows cannot replace an open file)."""
        self._store_package_parts()
        self.parts.save(stream)
        self.package.close()

    def _store_package_parts(self) -> None:
        if self.formulas_removed:
            self._drop_calculation_chain()
        if self.styles.changed:
            self._store(self.styles_part, self.styles.to_bytes())
            if not self.relationships.of_type("styles"):
                self.relationships.add(styles.REL_TYPE, self.styles_part)
                self.content_types.set(self.styles_part, styles.CONTENT_TYPE)
        if self.added_sheets and app_properties.PART in self.parts:
            self._store(app_properties.PART, app_properties.with_sheet_titles(
                self.parts.read(app_properties.PART), self.added_sheets))
        self._store(self.workbook_part, self.workbook.xml)
        if self.relationships.changed:
            self._store(rels_name(self.workbook_part), self.relationships.xml)
        self._store(content_types.PART, self.content_types.xml)

    def _store(self, part: str, data: bytes) -> None:
        """Write a part only when its bytes changed: an untouched part stays the source's."""
        if self._read(part) != data:
            self.parts.write(part, data)

    def _drop_calculation_chain(self) -> None:
        """Excel's list of formula cells may name one that is gone; Excel rebuilds it."""
        for link in self.relationships.entries():
            if link.type == CALC_CHAIN_REL:
                self.relationships.remove(link.id)
                self.remove_part_tree(link.target)
