"""The decision itself, pure: no files, no spreadsheets, no terminal.

- schema: the workbook contract as data (sheet, column and setting names);
- problems: Problem (a sheet, a cell and what is wrong) and the cleaning code's BadValue;
- inputs: raw cell values cleaned into typed tables, with a Problem per bad cell;
- model: the rule book (docs/decision-model.md): Settings, tasks, quotes -> Decision;
- summary: the figures of the Summary and For accountant sheets.
"""
