/**
 * `pnpm bench export`: runs the server's export benchmark (server/src/bench/export.ts) in its own
 * process with the garbage collector exposed, so its memory figures start from a clean heap.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Args } from '../lib/args.js';

const SCRIPT = fileURLToPath(new URL('../../../server/dist/bench/export.js', import.meta.url));

export function benchExport(args: Args): Promise<void> {
  const argv: string[] = [];
  for (const [name, value] of args.flags)
    argv.push(value === true ? `--${name}` : `--${name}=${value}`);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--expose-gc', SCRIPT, ...argv], { stdio: 'inherit' });
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`export bench exited with ${code}`)),
    );
  });
}
