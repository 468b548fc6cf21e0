"""Results into the user's own package, and the files the tool writes.

- results: the computed blocks, report sheets and charts written into the workbook;
- formulas/: the same blocks as live spreadsheet formulas (--formulas);
- report_sheets: the layout of Summary and For accountant;
- style: the look of what the tool writes, and one value into one cell safely;
- template: the blank template and `new --into`;
- files: locks, backups and the one atomic writer;
- render, libreoffice: printed pages (PDF, PNG) through LibreOffice.
"""
