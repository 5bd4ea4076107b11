import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { LOG_REDACTED_FIELDS, LOG_REDACTION_CENSOR } from './log.js';

const built = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../dist/log.js');

/** Runs `body` in a fresh process with `log` and `setLogLevel` in scope; gives its stderr lines. */
async function logsOf(body: string): Promise<{ code: number | null; lines: string[] }> {
  const script = `
    const { createLogger, setLogLevel } = await import(${JSON.stringify(built)});
    const log = createLogger('log-test');
    ${body}
  `;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const code = await new Promise<number | null>((r) => child.on('exit', r));
  return { code, lines: err.split('\n').filter((l) => l !== '') };
}

const SECRET = 'Zq9secretValue_0123456789';

describe('the server log', () => {
  it('writes one JSON object per line with level, module, msg and the error', async () => {
    const { lines } = await logsOf(`
      log.info('board created', { board: 'b1' });
      log.warn('compaction failed', { board: 'b1', err: new TypeError('disk full') });
    `);
    expect(lines).toHaveLength(2);
    const [info, warn] = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(info).toMatchObject({ level: 'info', module: 'log-test', msg: 'board created' });
    expect(info!['board']).toBe('b1');
    expect(typeof info!['t']).toBe('string');
    expect(warn).toMatchObject({ level: 'warn', module: 'log-test', msg: 'compaction failed' });
    expect(warn!['err']).toMatchObject({ name: 'TypeError', message: 'disk full' });
    expect((warn!['err'] as { stack: string }).stack).toContain('TypeError: disk full');
  });

  it('censors every credential field, at the top of a line and one level down', async () => {
    const fields = Object.fromEntries(LOG_REDACTED_FIELDS.map((name) => [name, SECRET]));
    const { lines } = await logsOf(`
      const fields = ${JSON.stringify(fields)};
      log.error('handshake failed', { ...fields, board: 'b1', handshake: { ...fields, origin: 'o' } });
    `);
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain(SECRET);
    const line = JSON.parse(lines[0]!) as Record<string, unknown>;
    const nested = line['handshake'] as Record<string, unknown>;
    for (const name of LOG_REDACTED_FIELDS) {
      expect(line[name], name).toBe(LOG_REDACTION_CENSOR);
      expect(nested[name], `handshake.${name}`).toBe(LOG_REDACTION_CENSOR);
    }
    // What is not a credential stays readable.
    expect(line).toMatchObject({ level: 'error', module: 'log-test', board: 'b1' });
    expect(nested['origin']).toBe('o');
  });

  it('keeps the last line written before the process exits', async () => {
    const { code, lines } = await logsOf(`
      for (let i = 0; i < 2000; i++) log.info('filler', { i, pad: 'x'.repeat(200) });
      log.error('failed to start', { err: new Error('no database') });
      process.exit(1);
    `);
    expect(code).toBe(1);
    expect(lines).toHaveLength(2001);
    expect(JSON.parse(lines.at(-1)!)).toMatchObject({
      level: 'error',
      msg: 'failed to start',
      err: { message: 'no database' },
    });
  });

  it('writes only lines at or above the level, and nothing when silent', async () => {
    const { lines } = await logsOf(`
      log.debug('not at info');
      setLogLevel('debug');
      log.debug('at debug');
      setLogLevel('silent');
      log.error('not when silent');
      setLogLevel('warn');
      log.info('not at warn');
      log.warn('at warn');
    `);
    expect(lines.map((l) => (JSON.parse(l) as { msg: string }).msg)).toEqual([
      'at debug',
      'at warn',
    ]);
  });
});
