"""Helpers shared by the tests (not tests themselves): paths, generated workbooks,
LibreOffice, isolated runs, hostile files."""
