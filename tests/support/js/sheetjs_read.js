// Opens each workbook named on the command line with SheetJS; prints one JSON line a file:
// {"file", "error"} when it cannot read it, else the sheet names and the notes it found.
"use strict";
const XLSX = require("xlsx");

function read(file) {
  let book;
  try {
    book = XLSX.readFile(file, { cellFormula: true, cellStyles: true });
  } catch (error) {
    return { file, error: String(error && error.message || error) };
  }
  const sheets = book.SheetNames.map((name) => {
    const sheet = book.Sheets[name];
    const notes = Object.keys(sheet).filter((key) => key[0] !== "!" && sheet[key].c).length;
    return { name, notes };
  });
  return { file, sheets };
}

for (const file of process.argv.slice(2)) {
  console.log(JSON.stringify(read(file)));
}
