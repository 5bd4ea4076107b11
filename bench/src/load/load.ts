/**
 * `pnpm bench load`: many participants on one board, notes added and moved at a set total rate,
 * and a few measuring clients with real replicas timing each of their operations until it is
 * visible at every other measuring client. With `--baseline`, the same load against the reference
 * Yjs relay in the same run; with `--instances N` (N > 1), the same load against one embedded
 * instance (SQLite), one instance and N instances in cluster mode (PostgreSQL + Redis), in the same
 * run.
 */
import type { ChildProcess } from 'node:child_process';
import { io } from 'socket.io-client';
import { PROTOCOL_VERSION, randomId } from '@pajataulu/shared';
import { boolFlag, numberFlag, stringFlag, type Args } from '../lib/args.js';
import {
  connectFull,
  createBoard,
  joinToken,
  notePosition,
  type FullClient,
} from '../lib/clients.js';
import type { ProcessMetrics } from '../lib/metrics.js';
import { fmt, machineLine, percentile, sleep } from '../lib/stats.js';
import {
  checkClusterServices,
  clusterServices,
  combine,
  readInstanceMetrics,
  startTarget,
  type Target,
  type TargetKind,
} from '../lib/target.js';
import type { Order, ParticipantReport } from './protocol.js';
import { SPREAD } from './participants.js';
import { report, reportInstances, type LoadResult } from './report.js';
import { closeWorkers, joinParticipants, nextMessage } from './workers.js';

/** Measuring clients (real replicas); their operations are the ones timed. */
export const DEFAULT_MEASURERS = 4;
/** Operations per second each measuring client sends (part of the total rate). */
export const MEASURER_OPS_PER_SECOND = 2;
/** Notes a measuring client keeps to move around. */
const MEASURER_NOTES = 4;
/** Quiet time after everyone has joined, before the idle memory is read. */
export const SETTLE_MS = 3_000;
/** After the operations stop, how long updates may take to arrive before they count as lost. */
export const DRAIN_MS = 10_000;

/**
 * Limits raised for the benchmark only: every simulated participant comes from 127.0.0.1, which a
 * real deployment would see as one address joining thousands of times.
 */
export const LOAD_SERVER_ENV: Record<string, string> = {
  RATE_JOINS_PER_ADDRESS_PER_MINUTE: '1000000',
  RATE_JOINS_PER_BOARD_PER_MINUTE: '1000000',
};

export interface LoadOptions {
  clients: number;
  rate: number;
  durationS: number;
  joinRate: number;
  workers: number;
  measurers: number;
  instances: number;
  /** Where the servers write CPU profiles, if anywhere. */
  profileDir: string | undefined;
}

interface Pending {
  id: string;
  x: number;
  y: number;
  from: number;
  t0: number;
  seenBy: Set<number>;
}

/** What a run starts: how many instances, and whether in cluster mode (PostgreSQL + Redis). */
export interface Setup {
  instances: number;
  cluster: boolean;
}

function cpuUs(m: ProcessMetrics): number {
  return m.cpuUserUs + m.cpuSystemUs;
}

async function runOne(
  kind: TargetKind,
  o: LoadOptions,
  setup: Setup = { instances: 1, cluster: false },
): Promise<LoadResult> {
  const target: Target = await startTarget(kind, {
    instances: setup.instances,
    cluster: setup.cluster,
    env: LOAD_SERVER_ENV,
    ...(o.profileDir ? { profileDir: o.profileDir } : {}),
  });
  const log = (s: string) => process.stdout.write(`[${kind}, ${target.label}] ${s}\n`);
  log(`started on ${target.urls.join(' ')}`);
  const workers: ChildProcess[] = [];
  const measurers: FullClient[] = [];
  try {
    const url0 = target.urls[0]!;
    let room = `bench-${randomId(8)}`;
    let code = room;
    let facilitatorKey = '';
    if (kind === 'pajataulu') {
      const b = await createBoard(url0, 'Kuormitustesti');
      room = b.boardId;
      code = b.code;
      facilitatorKey = b.facilitatorKey;
    }
    for (let i = 0; i < o.measurers; i++) {
      const url = target.urls[i % target.urls.length]!;
      const creds = kind === 'pajataulu' ? { token: await joinToken(url, code) } : undefined;
      measurers.push(await connectFull(kind, url, room, creds, `Mittaaja ${i + 1}`));
    }
    const base = combine(await readInstanceMetrics(target, true));

    // Participants join at the set rate, spread over the worker processes.
    const joinStart = Date.now();
    const joined = await joinParticipants(workers, {
      kind,
      urls: target.urls,
      boardId: room,
      code,
      count: o.clients,
      seconds: o.clients / o.joinRate,
      processes: o.workers,
    });
    const connected = joined.reduce((a, j) => a + j.ok, 0);
    const joinFailed = joined.reduce((a, j) => a + j.failed, 0);
    const joinSeconds = (Date.now() - joinStart) / 1000;
    log(
      `${connected} participants joined in ${fmt(joinSeconds)} s${joinFailed ? ` (${joinFailed} failed: ${joined.find((j) => j.firstError)?.firstError})` : ''}`,
    );
    await sleep(SETTLE_MS);
    const idleEach = await readInstanceMetrics(target, true);
    const idle = combine(idleEach);

    // Operations: the workers' share, and the measuring clients' timed ones.
    const measuredRate = o.measurers * MEASURER_OPS_PER_SECOND;
    const backgroundRate = Math.max(0, o.rate - measuredRate);
    for (const w of workers)
      w.send({ type: 'ops', rate: backgroundRate / workers.length } satisfies Order);
    const pending = new Map<string, Pending>();
    const latencies: number[] = [];
    const own: string[][] = measurers.map(() => []);
    const expected = new Map<string, [number, number]>();
    const uncertain = new Set<string>();
    let measuredOps = 0;
    let measuredAcked = 0;
    measurers.forEach((m, j) => {
      m.doc.on('update', () => {
        const now = performance.now();
        for (const p of pending.values()) {
          if (p.from === j || p.seenBy.has(j)) continue;
          const pos = notePosition(m.doc, p.id);
          if (pos && pos[0] === p.x && pos[1] === p.y) {
            p.seenBy.add(j);
            if (p.seenBy.size === measurers.length - 1) {
              latencies.push(now - p.t0);
              pending.delete(p.id);
            }
          }
        }
      });
    });
    const busyNotes = new Set<string>();
    const measureOne = (j: number) => {
      const m = measurers[j]!;
      const free = own[j]!.filter((id) => !busyNotes.has(id));
      const add = own[j]!.length < MEASURER_NOTES || free.length === 0;
      const id = add ? randomId(20) : free[Math.floor(Math.random() * free.length)]!;
      const x = Math.floor(Math.random() * SPREAD);
      const y = Math.floor(Math.random() * SPREAD);
      busyNotes.add(id);
      if (add) own[j]!.push(id);
      measuredOps++;
      const p: Pending = { id, x, y, from: j, t0: performance.now(), seenBy: new Set() };
      pending.set(id, p);
      m.op(add ? 'add' : 'move', id, x, y).then(
        (ack) => {
          if (ack && !ack.ok) {
            pending.delete(id);
            measuredOps--;
          } else {
            if (ack) measuredAcked++;
            expected.set(id, [x, y]);
            uncertain.delete(id);
          }
        },
        () => uncertain.add(id),
      );
    };
    // A pending note is freed once everyone has seen it (or when the run ends).
    const freeTimer = setInterval(() => {
      for (const id of busyNotes) if (!pending.has(id)) busyNotes.delete(id);
    }, 20);
    // The facilitator shows their pointer the whole time, moving it at POINTER_SEND_HZ.
    const pointerStop =
      kind === 'pajataulu' ? await facilitatorPointer(url0, room, facilitatorKey) : () => undefined;
    const opsStart = performance.now();
    const timers = measurers.map((_, j) =>
      setInterval(() => measureOne(j), 1000 / MEASURER_OPS_PER_SECOND + Math.random()),
    );
    await sleep(o.durationS * 1000);
    for (const t of timers) clearInterval(t);
    pointerStop();
    const opsSeconds = (performance.now() - opsStart) / 1000;
    const reports = await Promise.all(
      workers.map((w) => {
        const r = nextMessage<ParticipantReport>(w, 'report', DRAIN_MS + 30_000);
        w.send({ type: 'stop' } satisfies Order);
        return r;
      }),
    );
    const endEach = await readInstanceMetrics(target);
    const end = combine(endEach);
    // Let the last updates arrive; whatever is still missing after that is lost.
    const drainStart = Date.now();
    while (pending.size > 0 && Date.now() - drainStart < DRAIN_MS) await sleep(50);
    clearInterval(freeTimer);
    const notVisible = pending.size;

    for (const r of reports) {
      for (const [id, x, y] of r.finalPositions) expected.set(id, [x, y]);
      for (const id of r.uncertain) uncertain.add(id);
    }
    for (const id of uncertain) expected.delete(id);
    const mismatches = () => {
      let n = 0;
      for (const m of measurers)
        for (const [id, [x, y]] of expected) {
          const pos = notePosition(m.doc, id);
          if (!pos || pos[0] !== x || pos[1] !== y) n++;
        }
      return n;
    };
    const finalStart = Date.now();
    while (mismatches() > 0 && Date.now() - finalStart < DRAIN_MS) await sleep(100);
    const finalMismatches = mismatches();

    const sum = (f: (r: ParticipantReport) => number) => reports.reduce((a, r) => a + f(r), 0);
    const clientSeconds = reports.reduce((a, r) => a + r.clients * r.seconds, 0) || 1;
    const ackLatencies = reports.flatMap((r) => r.ackLatenciesMs);
    const refusedCodes: Record<string, number> = {};
    for (const r of reports)
      for (const [c, n] of Object.entries(r.refusedCodes))
        refusedCodes[c] = (refusedCodes[c] ?? 0) + n;
    const cpuPercent = (from: ProcessMetrics, to: ProcessMetrics) =>
      ((cpuUs(to) - cpuUs(from)) / 1000 / (opsSeconds * 1000)) * 100;
    return {
      kind,
      label: target.label,
      connected,
      joinFailed,
      joinSeconds,
      latencies,
      measuredOps,
      notVisible,
      finalMismatches,
      finalChecked: expected.size * measurers.length,
      opsSent: sum((r) => r.opsSent) + measuredOps,
      opsAcked: sum((r) => r.opsAcked),
      opsRefused: sum((r) => r.opsRefused),
      opsTimedOut: sum((r) => r.opsTimedOut),
      refusedCodes,
      ackP95: percentile(ackLatencies, 95),
      reconnects: sum((r) => r.reconnects),
      cpuPercent: cpuPercent(idle, end),
      rssIdleMB: idle.rssBytes / 2 ** 20,
      rssEndMB: end.rssBytes / 2 ** 20,
      idleBytesPerParticipant: connected > 0 ? (idle.rssBytes - base.rssBytes) / connected : NaN,
      bytesPerClientPerS: sum((r) => r.bytesIn) / clientSeconds,
      messagesPerClientPerS: sum((r) => r.messagesIn) / clientSeconds,
      presencePerClientPerS: sum((r) => r.presenceMessages) / clientSeconds,
      pointerPerClientPerS: sum((r) => r.pointerMessages) / clientSeconds,
      joinLoopMaxMs: idle.loopMaxMs,
      opsLoop: end,
      ackedPerS: (sum((r) => r.opsAcked) + measuredAcked) / opsSeconds,
      cpuPercentEach: endEach.map((m, i) => cpuPercent(idleEach[i]!, m)),
      rssEndMBEach: endEach.map((m) => m.rssBytes / 2 ** 20),
      joinLoopMaxEach: idleEach.map((m) => m.loopMaxMs),
      opsLoopMaxEach: endEach.map((m) => m.loopMaxMs),
    };
  } finally {
    for (const m of measurers) m.close();
    await closeWorkers(workers);
    await target.close();
  }
}

/** How often the simulated facilitator moves their pointer (the server relays at most 10 Hz). */
export const POINTER_SEND_HZ = 30;

/** A facilitator connection that keeps its pointer moving; returns the function that stops it. */
async function facilitatorPointer(url: string, boardId: string, key: string): Promise<() => void> {
  const socket = io(url, {
    auth: { protocol: PROTOCOL_VERSION, board: boardId, facilitatorKey: key },
    transports: ['websocket'],
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('session', () => resolve());
    socket.once('connect_error', (e) => reject(e));
  });
  let t = 0;
  const timer = setInterval(() => {
    t++;
    socket.emit('pointer', {
      x: 1000 + 500 * Math.cos(t / 20),
      y: 1000 + 500 * Math.sin(t / 20),
      visible: true,
    });
  }, 1000 / POINTER_SEND_HZ);
  return () => {
    clearInterval(timer);
    socket.close();
  };
}

export async function benchLoad(args: Args): Promise<void> {
  const o: LoadOptions = {
    clients: numberFlag(args, 'clients', 200, { min: 1, max: 5_000 }),
    rate: numberFlag(args, 'rate', 100, { min: 1, max: 2_000 }),
    durationS: numberFlag(args, 'duration', 20, { min: 1, max: 600 }),
    joinRate: numberFlag(args, 'join-rate', 50, { min: 1, max: 1_000 }),
    workers: numberFlag(args, 'workers', 2, { min: 1, max: 16 }),
    measurers: numberFlag(args, 'measurers', DEFAULT_MEASURERS, { min: 2, max: 20 }),
    instances: numberFlag(args, 'instances', 1, { min: 1, max: 16 }),
    profileDir: stringFlag(args, 'profile'),
  };
  process.stdout.write(
    `load: ${o.clients} participants joining at ${o.joinRate}/s, ${o.rate} ops/s for ${o.durationS} s, ` +
      `${o.measurers} measuring clients, ${o.workers} participant processes\n`,
  );
  const cluster = o.instances > 1;
  if (cluster) {
    // Fail before the first run, not after it, when PostgreSQL or Redis is not there.
    const { databaseUrl, redisUrl } = clusterServices();
    await checkClusterServices(databaseUrl, redisUrl);
  }
  process.stdout.write(`${machineLine()}\n`);
  const ours = await runOne('pajataulu', o);
  const clustered: LoadResult[] = [];
  if (cluster) {
    // One instance in cluster mode too, so the cost of the storage and of the fan-out between
    // instances show separately.
    for (const instances of [1, o.instances]) {
      process.stdout.write(`${machineLine()}\n`);
      clustered.push(await runOne('pajataulu', o, { instances, cluster: true }));
    }
  }
  let base: LoadResult | undefined;
  if (boolFlag(args, 'baseline')) {
    try {
      base = await runOne('baseline', o);
    } catch (err) {
      process.stdout.write(
        `[baseline] the run did not complete: ${err instanceof Error ? err.message : String(err)}\n`,
      );
    }
  }
  report(ours, base);
  if (clustered.length > 0) reportInstances([ours, ...clustered]);
  process.stdout.write(`after the run: ${machineLine()}\n`);
}
