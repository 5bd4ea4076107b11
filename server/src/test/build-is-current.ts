/**
 * Global set-up of the server tests: some of them run the build, not the sources (child servers,
 * the export worker), so a build older than its sources would test old code. Refuse to start
 * then, and say what to do.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

function newest(dir: string, ext: string): number {
  let t = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || !entry.name.endsWith(ext) || entry.name.endsWith('.test.ts')) continue;
    // Tests are not built.
    if (entry.parentPath.split(path.sep).includes('test')) continue;
    t = Math.max(t, fs.statSync(path.join(entry.parentPath, entry.name)).mtimeMs);
  }
  return t;
}

export default function setup(): void {
  for (const pkg of ['shared', 'server']) {
    const src = newest(path.join(root, pkg, 'src'), '.ts');
    const dist = path.join(root, pkg, 'dist');
    const built = fs.existsSync(dist) ? newest(dist, '.js') : 0;
    if (built < src)
      throw new Error(
        `${pkg}/dist is older than ${pkg}/src: run \`pnpm -r build\` (npm test does) before the server tests`,
      );
  }
}
