/** The notes of a board as a spreadsheet or CSV, made in the export worker. */
import { notesTable, toCsv } from '@pajataulu/shared';
import type { TableRequest } from './options.js';

/** Width of the text column, in characters; the others are narrower. */
const TEXT_COLUMN_WIDTH = 60;
const OTHER_COLUMN_WIDTH = 18;

/** The file's bytes. */
export async function renderTable(req: TableRequest): Promise<Uint8Array> {
  const table = notesTable(req.board, req.locale);
  if (req.format === 'csv') return new TextEncoder().encode(toCsv(table));
  // Loaded on first use: it is large, and most exports are not spreadsheets.
  const { default: ExcelJS } = await import('exceljs');
  const book = new ExcelJS.Workbook();
  const sheet = book.addWorksheet(req.sheet);
  sheet.addRow(table.headers).font = { bold: true };
  for (const row of table.rows) sheet.addRow(row);
  sheet.columns.forEach((c, i) => (c.width = i === 1 ? TEXT_COLUMN_WIDTH : OTHER_COLUMN_WIDTH));
  return new Uint8Array(await book.xlsx.writeBuffer());
}
