#!/usr/bin/env node
// Fails when relative imports form a cycle inside a package's src/ (part of `pnpm lint`).
// Type-only imports count too: a cycle of types is still a cycle of ideas.
import fs from 'node:fs';
import path from 'node:path';

const roots = process.argv.slice(2);
const files = [];
function walk(dir) {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) walk(p);
    else if (/\.(ts|tsx)$/.test(e.name) && !/\.d\.ts$/.test(e.name)) files.push(p);
  }
}
for (const r of roots) walk(path.resolve(r));

const IMPORT =
  /(?:import|export)\s[^'";]*?from\s*['"](\.{1,2}\/[^'"]+)['"]|import\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/g;
function resolve(from, spec) {
  const base = path.resolve(path.dirname(from), spec.replace(/\.js$/, ''));
  for (const c of [
    `${base}.ts`,
    `${base}.tsx`,
    path.join(base, 'index.ts'),
    path.join(base, 'index.tsx'),
  ]) {
    if (fs.existsSync(c)) return c;
  }
  return undefined;
}
const graph = new Map();
for (const f of files) {
  const src = fs.readFileSync(f, 'utf8');
  const deps = [];
  for (const m of src.matchAll(IMPORT)) {
    const target = resolve(f, m[1] ?? m[2]);
    if (target) deps.push(target);
  }
  graph.set(f, deps);
}

const state = new Map(); // 1 = on stack, 2 = done
const cycles = [];
function visit(f, stack) {
  state.set(f, 1);
  stack.push(f);
  for (const d of graph.get(f) ?? []) {
    if (state.get(d) === 1) cycles.push([...stack.slice(stack.indexOf(d)), d]);
    else if (!state.has(d)) visit(d, stack);
  }
  stack.pop();
  state.set(f, 2);
}
for (const f of graph.keys()) if (!state.has(f)) visit(f, []);

if (cycles.length > 0) {
  for (const c of cycles)
    console.error(`import cycle: ${c.map((f) => path.relative(process.cwd(), f)).join(' → ')}`);
  process.exit(1);
}
console.log(`no import cycles in ${files.length} files`);
