/**
 * `pnpm bench <name> [flags]`: benchmarks that print figures and, with `--baseline`, run the
 * baseline in the same run and print the ratios. Everything runs on 127.0.0.1 and ends on its own.
 */
import { ArgError, parseArgs } from './lib/args.js';
import { benchExport } from './export/export.js';
import { benchJoin } from './join/join.js';
import { benchLoad } from './load/load.js';
import { benchRender } from './render/render.js';
import { ServiceUnavailableError } from './lib/target.js';

const USAGE = `usage: pnpm bench <name> [flags]

  load    participants on one board, notes added and moved at a set rate
          --clients N (200; the target run is 2000)  --rate ops/s (100)  --duration s (20)
          --join-rate joins/s (50)  --workers N (2)  --measurers N (4)  --baseline
          --profile DIR (a CPU profile of each server, written when it stops)
          --instances N (1; above 1, the same load against 1 instance with SQLite, then 1 and
            N instances in cluster mode on DATABASE_URL and REDIS_URL, default the local
            postgres://postgres@127.0.0.1:5432/test and redis://127.0.0.1:6379, in the same run)
  join    late joins on boards of 1,000 / 10,000 notes, and a storm of joins
          --notes 1000,10000  --joins N (10)  --storm N (500)  --storm-seconds s (10)  --baseline
  render  first render and frame times of zoom and pan in headless Chromium (built client)
          --notes 1000,5000,10000  --baseline

  export  a board of N notes exported as PNG and PDF (worker, tiles, streamed PNG)
          --notes 5000  --scale 1  --baseline (one canvas for the whole picture)

every bench: --baseline runs the reference set-up in the same run and prints ratios
`;

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const name = args.positionals[0];
  switch (name) {
    case 'load':
      return benchLoad(args);
    case 'join':
      return benchJoin(args);
    case 'render':
      return benchRender(args);
    case 'export':
      return benchExport(args);
    default:
      process.stdout.write(USAGE);
      process.exitCode = name === undefined || name === 'help' ? 0 : 2;
  }
}

main().then(
  () => process.exit(process.exitCode ?? 0),
  (err: unknown) => {
    process.stderr.write(
      `${err instanceof ArgError || err instanceof ServiceUnavailableError ? err.message : err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exit(1);
  },
);
