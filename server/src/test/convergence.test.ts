/**
 * Convergence fuzz: a facilitator and participants, each on one of three in-process instances
 * sharing PostgreSQL and Redis, send random commands (fast-check) in steps; the commands of a step
 * go out at once, so instances race for the board's lock. Afterwards every replica holds the same
 * board as PostgreSQL, every acknowledged command is in it, the private state agrees on every
 * instance, and a retried command is never applied twice.
 *
 * A run is a pure function of its seed: which client sends which command, with which ids, to
 * which instance, in which steps. Only the order in which the instances take the lock within one
 * step is left to the machine, and the properties hold for every order. A seed that once failed
 * stays below as a named test, replayed with the path fast-check printed.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import {
  listNotes,
  REACTIONS,
  readBoard,
  type CommandAck,
  type CommandInput,
} from '@pajataulu/shared';
import { RedisCluster } from '../cluster/redis.js';
import {
  CommandClient,
  DATABASE_URL,
  dropRedisKeys,
  dropSchema,
  isolation,
  notesOf,
  REDIS_URL,
  storedDoc,
  TEST_RATES,
} from './cluster-fixture.js';
import {
  createBoard,
  joinBoard,
  startServer,
  TestClient,
  waitFor,
  type TestServer,
} from './harness.js';

/** Seed of the bounded run in the server suite. */
const SEED = 20_261_203;
/** Runs in the suite (a few seconds); `CONVERGENCE_RUNS` asks for more. */
const RUNS = Number(process.env['CONVERGENCE_RUNS'] ?? 8);
const INSTANCES = 3;
/** Clients per run: the facilitator (client 0) and participants. */
const CLIENTS = 4;
/** Steps per run at most, and commands sent at once in one step at most. */
const MAX_STEPS = 16;
const MAX_BURST = 3;
/** How long replicas may take to converge after the last acknowledgement. */
const CONVERGE_MS = 10_000;

/** Joins and boards are made in every run, all from one address. */
const RATES = {
  ...TEST_RATES,
  RATE_JOINS_PER_ADDRESS_PER_MINUTE: '100000',
  RATE_JOINS_PER_BOARD_PER_MINUTE: '100000',
  RATE_BOARDS_PER_ADDRESS_PER_HOUR: '100000',
};

type Action =
  | { kind: 'add'; client: number; x: number; y: number; text: string }
  | { kind: 'move'; client: number; note: number; x: number; y: number }
  | { kind: 'update'; client: number; note: number; text: string }
  | { kind: 'delete'; client: number; note: number }
  | { kind: 'voteStart' }
  | { kind: 'vote'; client: number; note: number; retract: boolean }
  | { kind: 'react'; client: number; note: number; reaction: number }
  /** The same command again; `elsewhere`: from the actor's other tab, on another instance. */
  | { kind: 'retry'; client: number; earlier: number; elsewhere: boolean };

/**
 * Seeds that once failed, replayed as named tests: `seed` and `path` exactly as fast-check
 * printed them. They replay the same scenario only while the generators below stay as they are.
 */
const FAILING_SEEDS: { name: string; seed: number; path?: string }[] = [];

/**
 * Scenarios that once failed, kept as fast-check printed them (so they outlive changes to the
 * generators), each replayed as a named test.
 */
const FAILING_RUNS: { name: string; steps: Action[][] }[] = [
  {
    // A step that changes only the board's meta (a vote round) and none of its notes: replicas
    // must hold it too before they count as converged.
    name: 'seed 20261203, path 9: a last step with no note in it',
    steps: [
      [
        { kind: 'move', client: 3, note: 394, x: -179, y: 1918 },
        { kind: 'move', client: 1, note: 624, x: -212, y: -1942 },
        { kind: 'retry', client: 3, earlier: 733, elsewhere: false },
      ],
      [
        { kind: 'retry', client: 2, earlier: 414, elsewhere: false },
        { kind: 'retry', client: 0, earlier: 349, elsewhere: false },
        { kind: 'voteStart' },
      ],
      [{ kind: 'move', client: 3, note: 980, x: 704, y: -984 }],
      [{ kind: 'vote', client: 1, note: 114, retract: false }],
      [
        { kind: 'update', client: 2, note: 354, text: '!7(+<>M7a-' },
        { kind: 'retry', client: 0, earlier: 67, elsewhere: false },
      ],
      [{ kind: 'vote', client: 2, note: 467, retract: false }],
      [{ kind: 'retry', client: 1, earlier: 912, elsewhere: false }, { kind: 'voteStart' }],
    ],
  },
];

const client = fc.integer({ min: 0, max: CLIENTS - 1 });
const participant = fc.integer({ min: 1, max: CLIENTS - 1 });
const coord = fc.integer({ min: -2_000, max: 2_000 });
const ref = fc.nat({ max: 1_000 });
const text = fc.string({ maxLength: 12 });

const action: fc.Arbitrary<Action> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({ kind: fc.constant('add' as const), client, x: coord, y: coord, text }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('move' as const),
      client,
      note: ref,
      x: coord,
      y: coord,
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant('update' as const), client, note: ref, text }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('delete' as const), client, note: ref }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'voteStart' as const }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('vote' as const),
      client: participant,
      note: ref,
      retract: fc.boolean(),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('react' as const),
      client,
      note: ref,
      reaction: fc.nat({ max: REACTIONS.length - 1 }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('retry' as const),
      client,
      earlier: ref,
      elsewhere: fc.boolean(),
    }),
  },
);
const scenario = fc.array(fc.array(action, { minLength: 1, maxLength: MAX_BURST }), {
  minLength: 1,
  maxLength: MAX_STEPS,
});

/** A document's state vector as sorted pairs, to compare replicas. */
function stateVector(doc: Y.Doc): [number, number][] {
  return [...Y.decodeStateVector(Y.encodeStateVector(doc))].sort((a, b) => a[0] - b[0]);
}

/** A 20-character base-36 id, the same for the same tag and number in every run. */
function fixedId(tag: string, n: number): string {
  return `${tag}${n.toString(36)}`.padStart(20, '0');
}

interface Sent {
  client: number;
  id: string;
  command: CommandInput;
  ack: CommandAck;
  /** The acknowledgement of the first send, when this was a retry. */
  retryOf?: CommandAck;
}

describe.skipIf(!DATABASE_URL || !REDIS_URL)(
  'convergence over instances on PostgreSQL and Redis',
  () => {
    const { schema, prefix } = isolation('converge');
    const servers: TestServer[] = [];

    beforeAll(async () => {
      for (let i = 0; i < INSTANCES; i++) {
        const cluster = new RedisCluster({ url: REDIS_URL!, prefix });
        const server = await startServer({
          postgres: { url: DATABASE_URL!, schema },
          env: { ...RATES, REDIS_PREFIX: prefix },
          app: { cluster },
        });
        await cluster.attach(server.app.registry);
        servers.push(server);
      }
    }, 60_000);
    afterAll(async () => {
      for (const s of servers.splice(0)) await s.close();
      await dropSchema(DATABASE_URL!, schema);
      await dropRedisKeys(REDIS_URL!, prefix);
    }, 60_000);

    async function run(steps: Action[][]): Promise<void> {
      const board = await createBoard(servers[0]!.url, 'Konvergenssi');
      const clients: TestClient[] = [];
      /** Each client's other tab, on the next instance: same actor, another live board. */
      const tabs: CommandClient[] = [];
      try {
        for (let i = 0; i < CLIENTS; i++) {
          const url = servers[i % INSTANCES]!.url;
          const creds: { facilitatorKey: string } | { token: string } =
            i === 0
              ? { facilitatorKey: board.facilitatorKey }
              : { token: (await joinBoard(url, board.code)).token };
          clients.push(await TestClient.connect(url, board.boardId, creds));
          const other = servers[(i + 1) % INSTANCES]!.url;
          tabs.push(await CommandClient.connect(other, board.boardId, creds));
        }
        const notes: string[] = [];
        const rounds: string[] = [];
        const sent: Sent[] = [];
        let n = 0;
        for (const step of steps) {
          // Every command of a step is decided before any is sent, so the step replays exactly.
          const burst: {
            client: number;
            id: string;
            command: CommandInput;
            retryOf?: CommandAck;
            elsewhere?: boolean;
          }[] = [];
          for (const a of step) {
            const id = fixedId('c', n++);
            const note = (k: number) => notes[k % notes.length];
            switch (a.kind) {
              case 'add': {
                const noteId = fixedId('n', notes.length);
                notes.push(noteId);
                burst.push({
                  client: a.client,
                  id,
                  command: { type: 'note.add', id: noteId, x: a.x, y: a.y, text: a.text },
                });
                break;
              }
              case 'move':
              case 'update':
              case 'delete':
              case 'vote':
              case 'react': {
                const noteId = note(a.note);
                if (!noteId) break;
                if (a.kind === 'move')
                  burst.push({
                    client: a.client,
                    id,
                    command: { type: 'note.move', id: noteId, x: a.x, y: a.y },
                  });
                else if (a.kind === 'update')
                  burst.push({
                    client: a.client,
                    id,
                    command: { type: 'note.update', id: noteId, text: a.text },
                  });
                else if (a.kind === 'delete')
                  burst.push({
                    client: a.client,
                    id,
                    command: { type: 'note.delete', id: noteId },
                  });
                else if (a.kind === 'react')
                  burst.push({
                    client: a.client,
                    id,
                    command: { type: 'reaction.toggle', noteId, reaction: REACTIONS[a.reaction]! },
                  });
                else {
                  const roundId = rounds.at(-1);
                  if (roundId)
                    burst.push({
                      client: a.client,
                      id,
                      command: { type: a.retract ? 'vote.retract' : 'vote.cast', roundId, noteId },
                    });
                }
                break;
              }
              case 'voteStart': {
                const roundId = fixedId('r', rounds.length);
                rounds.push(roundId);
                burst.push({
                  client: 0,
                  id,
                  command: { type: 'vote.start', roundId, dots: 3, maxPerNote: 2 },
                });
                break;
              }
              case 'retry': {
                const mine = sent.filter((s) => s.client === a.client && !s.retryOf);
                const first = mine[a.earlier % Math.max(1, mine.length)];
                if (first)
                  burst.push({
                    client: first.client,
                    id: first.id,
                    command: first.command,
                    retryOf: first.ack,
                    elsewhere: a.elsewhere,
                  });
                break;
              }
            }
          }
          const acks = await Promise.all(
            burst.map((b) =>
              b.elsewhere
                ? tabs[b.client]!.send(b.command as Record<string, unknown>, b.id)
                : clients[b.client]!.command(b.command, b.id),
            ),
          );
          burst.forEach((b, i) => {
            const ack = acks[i];
            if (!ack) throw new Error(`no answer to ${JSON.stringify(b)}`);
            sent.push({
              client: b.client,
              id: b.id,
              command: b.command,
              ack,
              ...(b.retryOf ? { retryOf: b.retryOf } : {}),
            });
          });
        }
        await check(board.boardId, clients, sent, notes);
      } finally {
        for (const c of [...clients, ...tabs]) c.close();
      }
    }

    async function check(
      boardId: string,
      clients: TestClient[],
      sent: Sent[],
      notes: string[],
    ): Promise<void> {
      // No command trips a bug, and a retry of an applied command is acknowledged, not applied.
      for (const s of sent) {
        if (!s.ack.ok) expect(s.ack.error.code, JSON.stringify(s)).not.toBe('internal');
        if (s.retryOf?.ok && s.retryOf.applied)
          expect(s.ack).toMatchObject({ ok: true, applied: false });
      }
      const stored = await storedDoc(DATABASE_URL!, schema, boardId);
      try {
        // Every replica converges to what PostgreSQL holds, and holds every acknowledged version.
        const want = JSON.stringify([notesOf(stored), stateVector(stored)]);
        const converged = () =>
          clients.every((c) => JSON.stringify([notesOf(c.doc), stateVector(c.doc)]) === want);
        await waitFor(converged, CONVERGE_MS, 'replicas to converge').catch(() => undefined);
        for (const c of clients)
          expect(JSON.stringify([notesOf(c.doc), stateVector(c.doc)])).toBe(want);
        expect(JSON.stringify(readBoard(clients[0]!.doc))).toBe(JSON.stringify(readBoard(stored)));
        for (const s of sent)
          if (s.ack.ok)
            expect(Y.getState(stored.store, s.ack.version.client)).toBeGreaterThanOrEqual(
              s.ack.version.clock,
            );
        // Exactly the notes added and not deleted, by acknowledged commands.
        const applied = (type: string) =>
          sent
            .filter((s) => s.ack.ok && s.ack.applied && s.command.type === type)
            .map((s) => (s.command as { id: string }).id);
        const deleted = new Set(applied('note.delete'));
        expect(
          listNotes(stored)
            .map((n) => n.id)
            .sort(),
        ).toEqual(
          applied('note.add')
            .filter((id) => !deleted.has(id))
            .sort(),
        );

        // The private state agrees on every instance (authors, dots, reactions).
        const views: string[] = [];
        for (const s of servers) {
          const live = await s.app.registry.get(boardId);
          await live.fresh();
          await new Promise<void>((r) => live.whenCommitted(r));
          views.push(
            JSON.stringify(
              notes.map((id) => [
                id,
                live.state.author(id) ?? null,
                clients.map((c) =>
                  c.session?.participantId
                    ? [...live.state.reactionsBy(c.session.participantId)]
                    : [],
                ),
              ]),
            ),
          );
        }
        expect(new Set(views).size).toBe(1);
      } finally {
        stored.destroy();
      }
    }

    it('converges from random commands of several clients on three instances', async () => {
      await fc.assert(
        fc.asyncProperty(scenario, (steps) => run(steps)),
        { seed: SEED, numRuns: RUNS, endOnFailure: true },
      );
    });

    for (const f of FAILING_RUNS) it(`replays failing run ${f.name}`, () => run(f.steps));

    for (const f of FAILING_SEEDS) {
      it(`replays failing seed ${f.name}`, async () => {
        await fc.assert(
          fc.asyncProperty(scenario, (steps) => run(steps)),
          { seed: f.seed, numRuns: 1, ...(f.path ? { path: f.path } : {}) },
        );
      });
    }
  },
);
