/**
 * Reading an uploaded backup into a board document: bounded before the parser sees it, then parsed
 * and validated with the same code as every other backup. Runs in the import worker, never on the
 * thread that serves boards.
 */
import * as Y from 'yjs';
import { BackupError, readBackup, restoreBoardDoc } from '@pajataulu/shared';

/**
 * How deeply arrays and objects may nest in an imported file. A backup nests six levels (file,
 * board, notes, note, votes, round); the rest is room for new fields. Deeper input is refused by
 * one linear pass before any parser builds a tree of it.
 */
export const MAX_IMPORT_DEPTH = 32;

/** The file cannot be a backup: not UTF-8, not JSON, nested too deeply, or not a board. */
export class ImportInvalidError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ImportInvalidError';
  }
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;

/**
 * Whether JSON text nests arrays and objects deeper than `max`, by one pass over the bytes:
 * brackets inside strings do not count. Every byte of a multi-byte UTF-8 character is ≥ 0x80, so
 * scanning bytes sees the same structure as scanning characters.
 */
export function nestsDeeperThan(bytes: Uint8Array, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (inString) {
      if (b === BACKSLASH) i++;
      else if (b === QUOTE) inString = false;
    } else if (b === QUOTE) inString = true;
    else if (b === OPEN_ARRAY || b === OPEN_OBJECT) {
      if (++depth > max) return true;
    } else if (b === CLOSE_ARRAY || b === CLOSE_OBJECT) depth--;
  }
  return false;
}

/** A backup read into a board: the document as one Yjs update, and what the board row needs. */
export interface ParsedImport {
  update: Uint8Array;
  title: string;
  template: string;
}

/** Reads an uploaded backup file; throws ImportInvalidError for anything that is not one. */
export function parseImport(bytes: Uint8Array): ParsedImport {
  if (nestsDeeperThan(bytes, MAX_IMPORT_DEPTH))
    throw new ImportInvalidError(`body nests deeper than ${MAX_IMPORT_DEPTH} levels`);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new ImportInvalidError('body is not UTF-8 text');
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new ImportInvalidError('body is not valid JSON');
  }
  let backup;
  try {
    backup = readBackup(raw);
  } catch (err) {
    if (err instanceof BackupError) throw new ImportInvalidError(err.message);
    throw err;
  }
  const doc = new Y.Doc();
  try {
    restoreBoardDoc(doc, backup);
    return {
      update: Y.encodeStateAsUpdate(doc),
      title: backup.board.meta.title,
      template: backup.board.meta.template,
    };
  } finally {
    doc.destroy();
  }
}
