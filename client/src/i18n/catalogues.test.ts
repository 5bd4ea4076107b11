/**
 * The catalogue check: every key in every language, every key the code uses exists, and no
 * user-facing text is written inline in a component.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '@pajataulu/shared';
import en from './en.json';
import fi from './fi.json';
import sv from './sv.json';

type Tree = { [k: string]: string | Tree };

function keys(tree: Tree, prefix = ''): string[] {
  return Object.entries(tree).flatMap(([k, v]) =>
    typeof v === 'string' ? [`${prefix}${k}`] : keys(v, `${prefix}${k}.`),
  );
}
/** Plural forms (`_one`, `_other`) count as their base key. */
const base = (k: string) => k.replace(/_(one|other|zero|two|few|many)$/, '');

const src = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
function sources(dir = src): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return sources(p);
    return /\.tsx?$/.test(e.name) && !e.name.endsWith('.test.ts') ? [p] : [];
  });
}

describe('translation catalogues', () => {
  const fiKeys = new Set(keys(fi as Tree));
  it.each([
    ['sv', sv],
    ['en', en],
  ])('%s has exactly the keys fi has', (_lang, catalogue) => {
    const other = new Set(keys(catalogue as Tree));
    expect([...fiKeys].filter((k) => !other.has(k))).toEqual([]);
    expect([...other].filter((k) => !fiKeys.has(k))).toEqual([]);
  });

  it('every error code has a translation', () => {
    for (const code of Object.values(ErrorCode))
      expect(fiKeys.has(`errors.${code}`), code).toBe(true);
  });

  it('every literal key the code uses exists', () => {
    const known = new Set([...fiKeys].map(base));
    const missing: string[] = [];
    for (const file of sources()) {
      const text = fs.readFileSync(file, 'utf8');
      for (const m of text.matchAll(/\bt\(\s*'([a-zA-Z]+\.[a-zA-Z.]+)'/g)) {
        if (!known.has(m[1]!)) missing.push(`${path.relative(src, file)}: ${m[1]}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('no component writes user-facing text inline', () => {
    const inline: string[] = [];
    for (const file of sources().filter((f) => f.endsWith('.tsx'))) {
      const text = fs.readFileSync(file, 'utf8');
      // Text between JSX tags that has letters in it, other than an expression.
      for (const m of text.matchAll(/>\s*([^<>{}\n]*\p{L}{2,}[^<>{}\n]*)\s*</gu)) {
        // Comparisons in code (`a > 0 && b < c`) are not text.
        if (/[&|()=?;]|\w\.\w/.test(m[1]!)) continue;
        inline.push(`${path.relative(src, file)}: ${m[1]!.trim()}`);
      }
      for (const m of text.matchAll(
        /\b(?:aria-label|placeholder|title|alt)="([^"]*\p{L}{2,}[^"]*)"/gu,
      )) {
        inline.push(`${path.relative(src, file)}: ${m[1]}`);
      }
    }
    expect(inline).toEqual([]);
  });
});
