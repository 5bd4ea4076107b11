import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { applyCommand, initBoardDoc, type ApplyContext } from './apply.js';
import { BOARD_SCHEMA_VERSION, newNote, readBoard, type BoardState, type Note } from './board.js';
import { NOTE_SIZE } from './limits.js';
import { PrivateState } from './private-state.js';
import { buildScene, sceneSize, MIN_SCENE_WIDTH, SceneError, type SceneText } from './scene.js';
import { buildTemplate } from './templates.js';

function trustBoard(): BoardState {
  const doc = new Y.Doc();
  initBoardDoc(doc, {
    title: 'Luottamus',
    template: 'trust',
    now: Date.UTC(2026, 10, 23),
    schemaVersion: BOARD_SCHEMA_VERSION,
    build: buildTemplate('trust', 'fi', { x: -500, y: 300 }),
  });
  return readBoard(doc);
}

const note = (id: string, over: Partial<Note>): Note =>
  newNote({ id, text: 'teksti', x: 0, y: 0, color: 'yellow', ...over });

describe('the export scene', () => {
  it('puts every note inside the picture, below the header, whatever the coordinates', () => {
    const b = trustBoard();
    const p = b.prompts[0]!;
    b.notes = [
      note('a', { promptId: p.id, x: p.x + 10, y: p.y + 100 }),
      note('b', { x: -40_000, y: -9_000 }),
      note('c', { x: 25_000, y: 12_000 }),
    ];
    const scene = buildScene(b, { locale: 'fi', now: 0 });
    expect(scene.notes.map((n) => n.id)).toEqual(['a', 'b', 'c']);
    for (const n of scene.notes) {
      expect(n.box.x).toBeGreaterThanOrEqual(0);
      expect(n.box.y).toBeGreaterThanOrEqual(scene.header.h);
      expect(n.box.x + NOTE_SIZE).toBeLessThanOrEqual(scene.width);
      expect(n.box.y + NOTE_SIZE).toBeLessThanOrEqual(scene.height);
    }
    expect(scene.width).toBeGreaterThanOrEqual(65_000);
  });

  it('its size is known without building it, for the whole board and for a prompt', () => {
    const b = trustBoard();
    b.notes = [note('a', { group: 'g3', x: 9_000, y: -3_000 }), note('b', { x: -200 })];
    for (const promptId of [undefined, b.prompts[1]!.id]) {
      const scene = buildScene(b, { locale: 'fi', now: 0, promptId });
      expect(sceneSize(b, { locale: 'fi', now: 0, promptId })).toEqual({
        width: scene.width,
        height: scene.height,
      });
    }
  });

  it('an empty board is still a picture with its title', () => {
    const doc = new Y.Doc();
    initBoardDoc(doc, {
      title: '',
      template: 'blank',
      now: 0,
      schemaVersion: BOARD_SCHEMA_VERSION,
    });
    const scene = buildScene(readBoard(doc), { locale: 'sv', now: 0 });
    expect(scene.width).toBe(MIN_SCENE_WIDTH);
    expect((scene.items[0] as SceneText).text).toBe('Namnlös tavla');
  });

  it('the legend lists the role groups that are on the notes, with counts, and nothing else', () => {
    const b = trustBoard();
    b.notes = [
      note('a', { group: 'g3', x: 0 }),
      note('b', { group: 'g3', x: 200 }),
      note('c', { group: null, x: 400 }),
    ];
    const texts = buildScene(b, { locale: 'en', now: 0 })
      .items.filter((i): i is SceneText => i.kind === 'text')
      .map((i) => i.text);
    expect(texts).toContain('Roles:');
    expect(texts).toContain('johto (2)');
    expect(texts.some((t) => t.startsWith('henkilöstö'))).toBe(false);
    b.notes = [note('c', {})];
    const none = buildScene(b, { locale: 'en', now: 0 }).items.filter(
      (i) => i.kind === 'text' && i.text === 'Roles:',
    );
    expect(none).toEqual([]);
  });

  it('a note whose text the facilitator changed carries a small mark, first in its footer', () => {
    const b = trustBoard();
    b.notes = [
      note('a', { editedByFacilitator: true, group: 'g3', month: 3, x: 0 }),
      note('b', { x: 300 }),
    ];
    for (const [locale, word] of [
      ['fi', 'muokattu'],
      ['sv', 'redigerad'],
      ['en', 'edited'],
    ] as const) {
      const footers = buildScene(b, { locale, now: 0 })
        .items.filter((i): i is SceneText => i.kind === 'text' && i.size === 12)
        .map((i) => i.text);
      expect(footers).toHaveLength(1);
      expect(footers[0]!.startsWith(`${word} · `)).toBe(true);
    }
  });

  it('one prompt: only its notes, and an unknown prompt is a typed error', () => {
    const b = trustBoard();
    const [p, q] = b.prompts;
    b.notes = [
      note('in', { promptId: p!.id, x: p!.x + 20, y: p!.y + 100 }),
      note('out', { promptId: q!.id, x: q!.x + 20, y: q!.y + 100 }),
    ];
    const scene = buildScene(b, { locale: 'fi', now: 0, promptId: p!.id });
    expect(scene.notes.map((n) => n.id)).toEqual(['in']);
    const titles = scene.items.filter((i) => i.kind === 'text').map((i) => (i as SceneText).text);
    expect(titles).toContain(p!.title);
    expect(titles).not.toContain(q!.title);
    expect(() => buildScene(b, { locale: 'fi', now: 0, promptId: 'nope' })).toThrow(SceneError);
  });

  it('the annual clock is drawn on its prompt, not under it, with twelve month names', () => {
    const doc = new Y.Doc();
    initBoardDoc(doc, {
      title: 'Vuosikello',
      template: 'wheel',
      now: 0,
      schemaVersion: BOARD_SCHEMA_VERSION,
      build: buildTemplate('wheel', 'fi', { x: 0, y: 0 }),
    });
    const items = buildScene(readBoard(doc), { locale: 'fi', now: 0 }).items;
    const firstSector = items.findIndex((i) => i.kind === 'sector');
    const lastPromptBody = items.findLastIndex((i) => i.kind === 'rect' && i.radius === 16);
    expect(items.filter((i) => i.kind === 'sector')).toHaveLength(12);
    expect(firstSector).toBeGreaterThan(lastPromptBody);
    const texts = items.filter((i): i is SceneText => i.kind === 'text').map((i) => i.text);
    expect(texts).toContain('tammikuu');
    expect(texts).toContain('joulukuu');
  });

  it('every item lies inside the picture', () => {
    const b = trustBoard();
    b.rounds = [
      {
        id: 'r',
        label: '',
        dots: 3,
        maxPerNote: 3,
        promptIds: null,
        showTotals: true,
        state: 'closed',
        createdAt: 0,
        endedAt: 0,
      },
    ];
    b.notes = Array.from({ length: 30 }, (_, i) =>
      note(`n${i}`, { x: i * 90, y: (i % 5) * 170, votes: { r: 2 } }),
    );
    const scene = buildScene(b, { locale: 'fi', now: 0 });
    // Vote badges stick out above their notes, and still fit.
    expect(scene.items.filter((i) => i.kind === 'circle')).toHaveLength(30);
    for (const { box } of scene.items) {
      expect(box.x).toBeGreaterThanOrEqual(0);
      expect(box.y).toBeGreaterThanOrEqual(0);
      expect(box.x + box.w).toBeLessThanOrEqual(scene.width);
      expect(box.y + box.h).toBeLessThanOrEqual(scene.height);
    }
  });
});

describe('participant export switch', () => {
  it('board.update participantExport is kept in the meta record', () => {
    const doc = new Y.Doc();
    initBoardDoc(doc, {
      title: 'B',
      template: 'blank',
      now: 0,
      schemaVersion: BOARD_SCHEMA_VERSION,
    });
    expect(readBoard(doc).meta.participantExport).toBe(false);
    const view = new PrivateState();
    const ctx: ApplyContext = {
      actor: { role: 'facilitator' },
      now: 0,
      view,
      emit: (e) => view.apply(e),
    };
    expect(applyCommand(doc, { type: 'board.update', participantExport: true }, ctx).ok).toBe(true);
    expect(readBoard(doc).meta.participantExport).toBe(true);
  });
});
