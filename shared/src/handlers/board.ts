/**
 * Handlers of the commands on the board as a whole: its settings, the reveal, the facilitator
 * key, removing a participant, follow-me and inserting a template.
 */
import { metaMap, promptsMap, readMeta } from '../board.js';
import { MAX_PROMPTS_PER_BOARD } from '../limits.js';
import { ErrorCode } from '../protocol.js';
import { buildTemplate } from '../templates.js';
import { insertTemplate, locateNote, reveal } from './board-doc.js';
import { refreshGroupCounts } from './derive.js';
import { defineHandler, plan, refuse } from './handler.js';

export const boardUpdate = defineHandler('board.update', {
  check(_doc, c) {
    return plan(c);
  },
  apply(doc, c, ctx) {
    const meta = metaMap(doc);
    if (c.title !== undefined && meta.get('title') !== c.title) {
      meta.set('title', c.title);
      ctx.emit({ kind: 'title', title: c.title });
    }
    if (c.locked !== undefined && meta.get('locked') !== c.locked) meta.set('locked', c.locked);
    if (c.privateWriting !== undefined && meta.get('privateWriting') !== c.privateWriting) {
      meta.set('privateWriting', c.privateWriting);
      if (!c.privateWriting) reveal(doc, ctx, undefined);
    }
    if (c.groupThreshold !== undefined && meta.get('groupThreshold') !== c.groupThreshold) {
      meta.set('groupThreshold', c.groupThreshold);
      refreshGroupCounts(doc, ctx.view);
    }
    const exportable = c.participantExport;
    if (exportable !== undefined && (meta.get('participantExport') ?? false) !== exportable)
      meta.set('participantExport', exportable);
  },
});

export const boardReveal = defineHandler('board.reveal', {
  check(doc, c) {
    if (c.promptId !== undefined && !promptsMap(doc).has(c.promptId)) {
      return refuse(ErrorCode.NotFound, 'no such prompt');
    }
    return plan(c.promptId);
  },
  apply(doc, promptId, ctx) {
    reveal(doc, ctx, promptId);
  },
});

export const boardRotateKey = defineHandler('board.rotateKey', {
  check(_doc, c) {
    return plan(c.key);
  },
  apply(_doc, key, ctx) {
    ctx.emit({ kind: 'rotateKey', key });
  },
});

export const participantRemove = defineHandler('participant.remove', {
  check(doc, c, ctx) {
    let participantId: string | null | undefined;
    if ('participantId' in c) participantId = c.participantId;
    else {
      // The facilitator names a note; who wrote it stays on the server.
      const loc = locateNote(doc, ctx, c.noteId);
      participantId = loc ? ctx.view.author(c.noteId) : undefined;
      if (participantId === undefined) return refuse(ErrorCode.NotFound, 'no such note');
      if (participantId === null)
        return refuse(ErrorCode.NotFound, 'the note has no participant author');
    }
    const p = ctx.view.participant(participantId);
    if (!p || p.revoked) return refuse(ErrorCode.NotFound, 'no such participant');
    return plan(participantId);
  },
  apply(_doc, participantId, ctx) {
    ctx.emit({ kind: 'revoke', participantId });
  },
});

export const followSet = defineHandler('follow.set', {
  check(doc, c) {
    if (c.mode === 'prompt' && (c.promptId === undefined || !promptsMap(doc).has(c.promptId))) {
      return refuse(ErrorCode.NotFound, 'no such prompt');
    }
    const prev = readMeta(doc).follow;
    return plan({
      mode: c.mode,
      x: c.x ?? prev.x,
      y: c.y ?? prev.y,
      zoom: c.zoom ?? prev.zoom,
      promptId: c.mode === 'prompt' ? (c.promptId ?? null) : null,
      seq: prev.seq + 1,
    });
  },
  apply(doc, follow) {
    metaMap(doc).set('follow', follow);
  },
});

export const templateInsert = defineHandler('template.insert', {
  check(doc, c) {
    const built = buildTemplate(c.template, c.locale, { x: c.x, y: c.y }, c.stations);
    if (built.wheel && readMeta(doc).wheel)
      return refuse(ErrorCode.AlreadyExists, 'the board has a wheel already');
    if (promptsMap(doc).size + built.prompts.length > MAX_PROMPTS_PER_BOARD) {
      return refuse(
        ErrorCode.LimitReached,
        `a board holds at most ${MAX_PROMPTS_PER_BOARD} prompts`,
      );
    }
    const assignment = c.template === 'stations' ? (c.assignment ?? 'balanced') : null;
    return plan({ built, assignment });
  },
  apply(doc, { built, assignment }, ctx) {
    insertTemplate(doc, built, ctx.now, assignment);
  },
});
