// Opens each workbook named on the command line with ExcelJS; prints one JSON line a file:
// {"file", "error"} when it cannot read it, else the sheet names and the notes it found.
"use strict";
const ExcelJS = require("exceljs");

async function read(file) {
  const book = new ExcelJS.Workbook();
  try {
    await book.xlsx.readFile(file);
  } catch (error) {
    return { file, error: String(error && error.message || error) };
  }
  const sheets = book.worksheets.map((sheet) => {
    let notes = 0;
    sheet.eachRow((row) => row.eachCell((cell) => { if (cell.note) notes += 1; }));
    return { name: sheet.name, notes };
  });
  return { file, sheets };
}

(async () => {
  for (const file of process.argv.slice(2)) {
    console.log(JSON.stringify(await read(file)));
  }
})();
