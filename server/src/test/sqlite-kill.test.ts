/**
 * SQLite mode: 100 SIGKILLs at random moments while a client writes notes; every note that was
 * acknowledged before a kill is in the database afterwards. Four boards (four data directories)
 * take 25 kills each at the same time, to keep the run short.
 */
import path from 'node:path';
import { io, type Socket } from 'socket.io-client';
import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { getNote, PROTOCOL_VERSION, type CommandAck } from '@pajataulu/shared';
import { spawnInstance, type ClusterInstance } from '../cluster/start.js';
import { openSqliteStorage } from '../storage/sqlite.js';
import { seeded, sleep } from './cluster-fixture.js';
import { createBoard, joinBoard, newId, tempDataDir } from './harness.js';

const KILLS = 100;
const LANES = 4;
/** Commands in flight at once, so a kill finds some committed, some not. */
const IN_FLIGHT = 4;
/** A kill comes at a random moment up to this long after the first acknowledgement. */
const KILL_WINDOW_MS = 120;
const SEED = 4_242;

const env = {
  RATE_NOTES_PER_MINUTE: '1000000',
  RATE_COMMANDS_PER_SECOND: '10000',
  RATE_COMMAND_BURST: '10000',
};

describe('SQLite under SIGKILL', () => {
  const running: ClusterInstance[] = [];
  afterEach(() => {
    for (const i of running.splice(0)) i.proc.kill('SIGKILL');
  });

  it(
    `${KILLS} SIGKILLs at random moments lose no acknowledged note`,
    { timeout: 90_000 },
    async () => {
      const random = seeded(SEED);
      const lanes = Array.from({ length: LANES }, () => ({
        dataDir: tempDataDir(),
        boardId: '',
        acked: [] as string[],
        unacked: 0,
      }));
      await Promise.all(
        lanes.map(async (lane) => {
          let inst = await spawnInstance({ ...env, DATA_DIR: lane.dataDir });
          running.push(inst);
          const board = await createBoard(inst.url, 'SIGKILL');
          lane.boardId = board.boardId;
          const { token } = await joinBoard(inst.url, board.code);
          for (let trial = 0; trial < KILLS / LANES; trial++) {
            if (trial > 0) {
              inst = await spawnInstance({ ...env, DATA_DIR: lane.dataDir });
              running.push(inst);
            }
            const socket = await connect(inst.url, board.boardId, token);
            let firstAck: () => void = () => undefined;
            const gotFirst = new Promise<void>((r) => (firstAck = r));
            let killed = false;
            // Once the server is gone, answers still awaited will never come.
            const gone = new Promise<'gone'>((r) => socket.once('disconnect', () => r('gone')));
            const writer = async () => {
              while (!killed) {
                const id = newId();
                const ack = await Promise.race([
                  socket.emitWithAck('command', {
                    id: newId(),
                    command: { type: 'note.add', id, x: 0, y: 0, text: `k${trial}` },
                  }) as Promise<CommandAck>,
                  gone,
                ]);
                if (ack === 'gone') {
                  lane.unacked++;
                  return;
                }
                if (ack.ok) {
                  lane.acked.push(id);
                  firstAck();
                } else throw new Error(`refused: ${ack.error.code}`);
              }
            };
            const writers = Array.from({ length: IN_FLIGHT }, writer);
            await gotFirst;
            await sleep(Math.floor(random() * KILL_WINDOW_MS));
            inst.proc.kill('SIGKILL');
            killed = true;
            await Promise.all(writers);
            socket.close();
            running.splice(running.indexOf(inst), 1);
          }
        }),
      );

      let lost = 0;
      let acked = 0;
      for (const lane of lanes) {
        const storage = await openSqliteStorage(path.join(lane.dataDir, 'pajataulu.sqlite'));
        const stored = await storage.loadDoc(lane.boardId);
        await storage.close();
        const doc = new Y.Doc();
        if (stored.snapshot) Y.applyUpdate(doc, stored.snapshot);
        for (const u of stored.updates) Y.applyUpdate(doc, u);
        acked += lane.acked.length;
        lost += lane.acked.filter((id) => getNote(doc, id) === undefined).length;
      }
      const unanswered = lanes.reduce((s, l) => s + l.unacked, 0);
      console.log(
        `tally: SQLite SIGKILLs=${KILLS} acknowledged notes=${acked} cut off unanswered=${unanswered} lost=${lost}`,
      );
      expect(acked).toBeGreaterThanOrEqual(KILLS);
      expect(lost).toBe(0);
    },
  );
});

async function connect(url: string, boardId: string, token: string): Promise<Socket> {
  const socket = io(url, {
    auth: { protocol: PROTOCOL_VERSION, board: boardId, token },
    transports: ['websocket'],
    reconnection: false,
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('session', () => resolve());
    socket.once('connect_error', reject);
  });
  return socket;
}
