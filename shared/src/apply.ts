/**
 * Applying a validated command to a board document. Every precondition is checked before the
 * first write, so a refused command changes nothing. The caller wraps the call in one
 * `doc.transact(fn, origin)`.
 */
import * as Y from 'yjs';
import { DEFAULT_NOTE_COLOR, listPrompts, metaMap, notesMap, promptsMap } from './board.js';
import type { Command } from './commands.js';
import { noteCenter, promptAt, promptContains } from './geometry.js';
import { MAX_COORDINATE, MAX_NOTES_PER_BOARD, MAX_PROMPTS_PER_BOARD } from './limits.js';
import { ErrorCode, type ProtocolError } from './protocol.js';

export interface ApplyContext {
  /** Current time in ms since the epoch. */
  now: number;
}

export type ApplyResult = { ok: true } | { ok: false; error: ProtocolError };

const OK: ApplyResult = { ok: true };
function refuse(code: ErrorCode, message: string): ApplyResult {
  return { ok: false, error: { code, message } };
}

/** Seconds resolution: creation times carry no more precision than a reader needs. */
function createdAt(now: number): number {
  return Math.floor(now / 1000) * 1000;
}

/**
 * The record a command targets, if it targets an existing one; the server uses it for ownership
 * checks before applying.
 */
export function commandTarget(command: Command): { kind: 'note' | 'prompt'; id: string } | null {
  switch (command.type) {
    case 'note.move':
    case 'note.update':
    case 'note.delete':
      return { kind: 'note', id: command.id };
    case 'prompt.update':
    case 'prompt.delete':
      return { kind: 'prompt', id: command.id };
    default:
      return null;
  }
}

/** Applies `command` to `doc`. Must run inside a transaction. */
export function applyCommand(doc: Y.Doc, command: Command, ctx: ApplyContext): ApplyResult {
  const notes = notesMap(doc);
  const prompts = promptsMap(doc);
  switch (command.type) {
    case 'note.add': {
      if (notes.has(command.id)) return refuse(ErrorCode.AlreadyExists, 'note id is taken');
      if (notes.size >= MAX_NOTES_PER_BOARD)
        return refuse(ErrorCode.LimitReached, `a board holds at most ${MAX_NOTES_PER_BOARD} notes`);
      const m = new Y.Map<unknown>();
      m.set('promptId', promptAt(listPrompts(doc), noteCenter(command.x, command.y)));
      m.set('text', command.text);
      m.set('x', command.x);
      m.set('y', command.y);
      m.set('color', command.color ?? DEFAULT_NOTE_COLOR);
      m.set('createdAt', createdAt(ctx.now));
      notes.set(command.id, m);
      return OK;
    }
    case 'note.move': {
      const m = notes.get(command.id);
      if (!m) return refuse(ErrorCode.NotFound, 'no such note');
      m.set('x', command.x);
      m.set('y', command.y);
      const promptId = promptAt(listPrompts(doc), noteCenter(command.x, command.y));
      if (m.get('promptId') !== promptId) m.set('promptId', promptId);
      return OK;
    }
    case 'note.update': {
      const m = notes.get(command.id);
      if (!m) return refuse(ErrorCode.NotFound, 'no such note');
      if (command.text !== undefined && m.get('text') !== command.text) m.set('text', command.text);
      if (command.color !== undefined && m.get('color') !== command.color)
        m.set('color', command.color);
      return OK;
    }
    case 'note.delete': {
      if (!notes.has(command.id)) return refuse(ErrorCode.NotFound, 'no such note');
      notes.delete(command.id);
      return OK;
    }
    case 'prompt.add': {
      if (prompts.has(command.id)) return refuse(ErrorCode.AlreadyExists, 'prompt id is taken');
      if (prompts.size >= MAX_PROMPTS_PER_BOARD)
        return refuse(
          ErrorCode.LimitReached,
          `a board holds at most ${MAX_PROMPTS_PER_BOARD} prompts`,
        );
      const m = new Y.Map<unknown>();
      m.set('title', command.title);
      m.set('x', command.x);
      m.set('y', command.y);
      m.set('w', command.w);
      m.set('h', command.h);
      m.set('createdAt', createdAt(ctx.now));
      prompts.set(command.id, m);
      reassignNotes(doc);
      return OK;
    }
    case 'prompt.update': {
      const m = prompts.get(command.id);
      if (!m) return refuse(ErrorCode.NotFound, 'no such prompt');
      const oldX = m.get('x') as number;
      const oldY = m.get('y') as number;
      const dx = command.x === undefined ? 0 : command.x - oldX;
      const dy = command.y === undefined ? 0 : command.y - oldY;
      if (command.title !== undefined && m.get('title') !== command.title)
        m.set('title', command.title);
      for (const key of ['x', 'y', 'w', 'h'] as const) {
        const v = command[key];
        if (v !== undefined && m.get(key) !== v) m.set(key, v);
      }
      if (dx !== 0 || dy !== 0) {
        // A prompt carries its notes along, as a frame does.
        notes.forEach((n) => {
          if (n.get('promptId') !== command.id) return;
          n.set('x', clampCoord((n.get('x') as number) + dx));
          n.set('y', clampCoord((n.get('y') as number) + dy));
        });
      }
      if (dx !== 0 || dy !== 0 || command.w !== undefined || command.h !== undefined)
        reassignNotes(doc);
      return OK;
    }
    case 'prompt.delete': {
      if (!prompts.has(command.id)) return refuse(ErrorCode.NotFound, 'no such prompt');
      prompts.delete(command.id);
      // Notes stay where they are, on the open canvas or in a prompt underneath.
      reassignNotes(doc);
      return OK;
    }
    case 'board.update': {
      if (command.title !== undefined) metaMap(doc).set('title', command.title);
      return OK;
    }
  }
}

function clampCoord(v: number): number {
  return Math.max(-MAX_COORDINATE, Math.min(MAX_COORDINATE, v));
}

/** Recomputes which prompt holds each note, writing only what changed. */
function reassignNotes(doc: Y.Doc): void {
  const prompts = listPrompts(doc);
  notesMap(doc).forEach((n) => {
    const x = n.get('x') as number;
    const y = n.get('y') as number;
    const current = n.get('promptId');
    const keep =
      typeof current === 'string' &&
      prompts.some((p) => p.id === current && promptContains(p, noteCenter(x, y)));
    if (keep) return;
    const next = promptAt(prompts, noteCenter(x, y));
    if (current !== next) n.set('promptId', next);
  });
}

/** Fills a fresh document with a new board's meta record. */
export function initBoardDoc(
  doc: Y.Doc,
  init: { title: string; template: string; now: number; schemaVersion: number },
): void {
  doc.transact(() => {
    const meta = metaMap(doc);
    meta.set('schemaVersion', init.schemaVersion);
    meta.set('title', init.title);
    meta.set('template', init.template);
    meta.set('createdAt', createdAt(init.now));
  });
}
