/** A small flag parser: `--name value`, `--flag` (true), and positionals. */
export interface Args {
  positionals: string[];
  flags: Map<string, string | true>;
}

export class ArgError extends Error {
  override name = 'ArgError';
}

export function parseArgs(argv: string[]): Args {
  const positionals: string[] = [];
  const flags = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') continue;
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      if (eq > 0) {
        flags.set(a.slice(2, eq), a.slice(eq + 1));
        continue;
      }
      const next = argv[i + 1];
      if (next !== undefined && !next.startsWith('--')) {
        flags.set(a.slice(2), next);
        i++;
      } else flags.set(a.slice(2), true);
    } else positionals.push(a);
  }
  return { positionals, flags };
}

/** A numeric flag within bounds, or its default. */
export function numberFlag(
  args: Args,
  name: string,
  fallback: number,
  bounds: { min: number; max: number },
): number {
  const raw = args.flags.get(name);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (raw === true || !Number.isFinite(n) || n < bounds.min || n > bounds.max)
    throw new ArgError(`--${name} must be a number from ${bounds.min} to ${bounds.max}`);
  return n;
}

/** A list of numbers (`--notes 1000,10000`). */
export function numberListFlag(
  args: Args,
  name: string,
  fallback: number[],
  bounds: { min: number; max: number },
): number[] {
  const raw = args.flags.get(name);
  if (raw === undefined) return fallback;
  if (raw === true) throw new ArgError(`--${name} needs a comma-separated list of numbers`);
  return raw.split(',').map((s) => {
    const n = Number(s);
    if (!Number.isFinite(n) || n < bounds.min || n > bounds.max)
      throw new ArgError(`--${name}: each value must be from ${bounds.min} to ${bounds.max}`);
    return n;
  });
}

export function boolFlag(args: Args, name: string): boolean {
  return args.flags.get(name) === true || args.flags.get(name) === 'true';
}

/** A string flag, or undefined when absent. */
export function stringFlag(args: Args, name: string): string | undefined {
  const raw = args.flags.get(name);
  if (raw === true) throw new ArgError(`--${name} needs a value`);
  return raw;
}
