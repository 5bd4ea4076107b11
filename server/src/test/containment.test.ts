import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCode, listNotes, type CommandEnvelope } from '@pajataulu/shared';
import {
  createBoard,
  newId,
  startServer,
  TestClient,
  waitFor,
  type TestServer,
} from './harness.js';

/** The text that makes the test seam throw, standing for a bug in a command handler. */
const POISON = 'kaatuu';

function throwOnPoison(_boardId: string, envelope: CommandEnvelope): void {
  const c = envelope.command;
  if (c.type === 'note.add' && c.text === POISON) throw new Error('a bug in a handler');
}

async function healthz(url: string): Promise<{ faults: Record<string, number> }> {
  const res = await fetch(`${url}/healthz`);
  return (await res.json()) as { faults: Record<string, number> };
}

describe('an unexpected error in one board', () => {
  let server: TestServer | undefined;
  const clients: TestClient[] = [];
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    await server?.close();
    server = undefined;
  });

  it('refuses that batch with internal, reloads the board, and every other board keeps serving', async () => {
    server = await startServer({ app: { beforeApply: throwOnPoison } });
    const a = await createBoard(server.url, 'A');
    const b = await createBoard(server.url, 'B');
    const fa = await TestClient.connect(server.url, a.boardId, {
      facilitatorKey: a.facilitatorKey,
    });
    const fb = await TestClient.connect(server.url, b.boardId, {
      facilitatorKey: b.facilitatorKey,
    });
    clients.push(fa, fb);
    const before = (await healthz(server.url)).faults.boardFaults ?? 0;

    const kept: string[] = [];
    for (let i = 0; i < 5; i++) {
      const id = newId();
      kept.push(id);
      expect(
        await fa.command({ type: 'note.add', id, x: i * 10, y: 0, text: `lappu ${i}` }),
      ).toMatchObject({ ok: true });
    }
    const poisonId = newId();
    const poisonCommandId = newId();
    // A good command in the same batch as the bad one is refused too, and goes through on retry.
    const goodId = newId();
    const goodCommandId = newId();
    const [bad, good] = await Promise.all([
      fa.command({ type: 'note.add', id: poisonId, x: 0, y: 50, text: POISON }, poisonCommandId),
      fa.command({ type: 'note.add', id: goodId, x: 50, y: 50, text: 'hyvä' }, goodCommandId),
    ]);
    expect(bad).toMatchObject({ ok: false, error: { code: ErrorCode.Internal } });
    // Usually in the same batch as the bad one, and then refused with it.
    if (!good.ok) expect(good.error.code).toBe(ErrorCode.Internal);
    expect((await healthz(server.url)).faults.boardFaults).toBe(before + 1);

    // The other board never noticed.
    const onB = await fb.command({ type: 'note.add', id: newId(), x: 0, y: 0, text: 'B toimii' });
    expect(onB).toMatchObject({ ok: true });
    await fb.visible(onB);

    // The board came back from storage with every acknowledged note and none of the failed batch.
    const retried = await fa.command(
      { type: 'note.add', id: goodId, x: 50, y: 50, text: 'hyvä' },
      goodCommandId,
    );
    expect(retried).toMatchObject({ ok: true });
    const live = await server.app.registry.get(a.boardId);
    const ids = new Set(listNotes(live.doc).map((n) => n.id));
    for (const id of kept) expect(ids.has(id)).toBe(true);
    expect(ids.has(goodId)).toBe(true);
    expect(ids.has(poisonId)).toBe(false);

    // A retry of the command that threw is refused at once: the board does not reload again.
    const again = await fa.command(
      { type: 'note.add', id: poisonId, x: 0, y: 50, text: POISON },
      poisonCommandId,
    );
    expect(again).toMatchObject({ ok: false, error: { code: ErrorCode.Internal } });
    expect((await healthz(server.url)).faults.boardFaults).toBe(before + 1);

    // Replicas of the reloaded board resync and hold what was acknowledged.
    const late = await TestClient.connect(server.url, a.boardId, {
      facilitatorKey: a.facilitatorKey,
    });
    clients.push(late);
    await waitFor(() => listNotes(late.doc).length === kept.length + 1, 5_000, 'replica of A');
  });
});

describe('the process guards', () => {
  it('log and count an error that escaped every handler, and the process keeps running', async () => {
    const here = path.dirname(fileURLToPath(import.meta.url));
    const guards = path.resolve(here, '../../dist/faults.js');
    const script = `
      const { installProcessGuards, faults } = await import(${JSON.stringify(guards)});
      installProcessGuards();
      Promise.reject(new Error('nobody handles this'));
      setTimeout(() => { throw new Error('thrown past every handler'); }, 5);
      setTimeout(() => { process.stdout.write(JSON.stringify(faults)); }, 50);
    `;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const code = await new Promise<number | null>((r) => child.on('exit', r));
    expect(code).toBe(0);
    expect(JSON.parse(out)).toMatchObject({ unhandledRejections: 1, uncaughtExceptions: 1 });
    expect(err).toContain('unhandled rejection');
    expect(err).toContain('uncaught exception');
  });
});
