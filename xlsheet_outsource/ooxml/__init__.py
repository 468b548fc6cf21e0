"""The workbook as the zip package it is, changed without losing a thing.

One job per module:

- package: the file opened safely (every part checked before anything parses it),
  its parts, sheets and defined names;
- scan: a worksheet measured before a reader loads it;
- archive: the output package (parts copied byte for byte unless changed), saved
  into a stream as a deterministic zip;
- worksheet: a worksheet part rewritten as a stream of rows (a block of cells,
  column widths, conditional formats), every other byte kept;
- cells: one cell's XML (numbers, inline strings, formulas with their results);
- styles: what the tool needs, appended to the styles part (never renumbered);
- workbook, relationships, content_types, app_properties: the parts that list
  sheets, edited in place, every entry kept;
- transplant: sheets made by openpyxl in memory, copied in with their drawings,
  charts and comments;
- book: all of it together for one workbook file;
- xmltext: finding and splicing elements in XML text;
- errors: PackageError, a file this layer cannot use as a workbook.
"""
