/**
 * What the cluster and fault tests share: a PostgreSQL schema and a Redis key prefix of their
 * own (so parallel runs never meet), reading back what PostgreSQL holds, and a seeded random.
 */
import { Redis } from 'ioredis';
import pg from 'pg';
import * as Y from 'yjs';
import { listNotes, randomId } from '@pajataulu/shared';
import { openPostgresStorage } from '../storage/postgres.js';

export const DATABASE_URL = process.env['DATABASE_URL'];
export const REDIS_URL = process.env['REDIS_URL'];

/** A fresh schema name and Redis prefix for one test file. */
export function isolation(name: string): { schema: string; prefix: string } {
  const tag = randomId(10);
  return { schema: `pj_${name}_${tag}`, prefix: `pj-test-${name}-${tag}:` };
}

export async function dropSchema(url: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query(`DROP SCHEMA IF EXISTS ${pg.escapeIdentifier(schema)} CASCADE`);
  await client.end();
}

/** Every Redis key under `prefix`. */
export async function redisKeys(url: string, prefix: string): Promise<string[]> {
  const r = new Redis(url);
  try {
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await r.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      keys.push(...batch);
    } while (cursor !== '0');
    return keys;
  } finally {
    r.disconnect();
  }
}

export async function dropRedisKeys(url: string, prefix: string): Promise<void> {
  const keys = await redisKeys(url, prefix);
  if (keys.length === 0) return;
  const r = new Redis(url);
  await r.del(...keys);
  r.disconnect();
}

/** A note as compared between replicas and storage. */
export type NoteView = [id: string, text: string, x: number, y: number];

/** The notes of a document, sorted by id. */
export function notesOf(doc: Y.Doc): NoteView[] {
  return listNotes(doc)
    .map((n): NoteView => [n.id, n.text, n.x, n.y])
    .sort((a, b) => a[0].localeCompare(b[0]));
}

/** The board's document as PostgreSQL holds it. */
export async function storedDoc(url: string, schema: string, boardId: string): Promise<Y.Doc> {
  const storage = await openPostgresStorage(url, { schema });
  try {
    const stored = await storage.loadDoc(boardId);
    const doc = new Y.Doc();
    if (stored.snapshot) Y.applyUpdate(doc, stored.snapshot);
    for (const u of stored.updates) Y.applyUpdate(doc, u);
    return doc;
  } finally {
    await storage.close();
  }
}

/** A small seeded random number generator (mulberry32), so a failing run can be replayed. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
