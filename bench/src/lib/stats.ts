/** Percentiles and printing of figures. */
import os from 'node:os';

/** The p-th percentile (0–100) of `values` by nearest rank; NaN when empty. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

export function fmt(n: number, digits = 1): string {
  if (!Number.isFinite(n)) return 'n/a';
  return n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: 0 });
}

export interface Row {
  label: string;
  ours: number;
  baseline?: number;
  unit: string;
  /** Whether a larger figure is better (for the ratio's wording). */
  higherIsBetter?: boolean;
}

/** Prints rows as an aligned table; with baselines, the ratio baseline ÷ ours. */
export function printTable(title: string, rows: Row[], names: [string, string?]): void {
  const withBaseline = rows.some((r) => r.baseline !== undefined);
  const head = ['', names[0], ...(withBaseline ? [names[1] ?? 'baseline', 'baseline ÷ ours'] : [])];
  const body = rows.map((r) => {
    const cells = [r.label, `${fmt(r.ours, 2)} ${r.unit}`];
    if (withBaseline) {
      const b = r.baseline;
      cells.push(b === undefined ? '—' : `${fmt(b, 2)} ${r.unit}`);
      cells.push(b === undefined || !(r.ours > 0) ? '—' : `${fmt(b / r.ours, 2)}×`);
    }
    return cells;
  });
  const widths = head.map((_, i) =>
    Math.max(...[head, ...body].map((row) => (row[i] ?? '').length)),
  );
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  process.stdout.write(
    `\n${title}\n${line(head)}\n${widths.map((w) => '-'.repeat(w)).join('  ')}\n`,
  );
  for (const row of body) process.stdout.write(`${line(row)}\n`);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** The machine and how busy it is: figures from a shared machine mean little without this. */
export function machineLine(): string {
  const cpus = os.cpus();
  const load = os.loadavg().map((l) => l.toFixed(2));
  return (
    `machine: ${cpus.length} × ${cpus[0]?.model.trim() ?? 'unknown CPU'}, ` +
    `${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}; ` +
    `load average ${load.join(' / ')} (1 / 5 / 15 min)`
  );
}

/** Makes table rows from one figure of our result and, if there is one, of the baseline's. */
export function rowsOf<T>(ours: T, base: T | undefined) {
  return (label: string, unit: string, f: (x: T) => number): Row => ({
    label,
    unit,
    ours: f(ours),
    ...(base !== undefined ? { baseline: f(base) } : {}),
  });
}

/** Prints a table of ready-made cells: one label column, then one column per set-up. */
export function printGrid(title: string, head: string[], rows: string[][]): void {
  const widths = head.map((_, i) =>
    Math.max(...[head, ...rows].map((row) => (row[i] ?? '').length)),
  );
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  process.stdout.write(
    `\n${title}\n${line(head)}\n${widths.map((w) => '-'.repeat(w)).join('  ')}\n`,
  );
  for (const row of rows) process.stdout.write(`${line(row)}\n`);
}
