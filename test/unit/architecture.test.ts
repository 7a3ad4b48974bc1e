/**
 * The layout's promises, checked on the source itself: imports only run downward (nothing in
 * steps/ or orchestrate/ imports from cli/), no import cycle, zod only through util/zod.ts, and no
 * source file over 300 lines.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '../../src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

/** Relative imports of a file (static and dynamic), as absolute .ts paths. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specs = [...text.matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)\.js'/g)].map((m) => m[1]!);
  return specs.map((s) => resolve(dirname(file), `${s}.ts`));
}

const files = sourceFiles(SRC);
const rel = (f: string) => relative(SRC, f);

describe('source layout', () => {
  it('has no import from cli/ in steps/, orchestrate/, state/, aws/, docker/, ui/ or util/', () => {
    const upward = files
      .filter((f) => !rel(f).startsWith('cli/') && !['main.ts', 'bin.ts'].includes(rel(f)))
      .flatMap((f) =>
        importsOf(f)
          .filter((i) => rel(i).startsWith('cli/'))
          .map((i) => `${rel(f)} → ${rel(i)}`),
      );
    expect(upward).toEqual([]);
  });

  it('has no import cycle', () => {
    const graph = new Map(files.map((f) => [f, importsOf(f)]));
    const cycles: string[] = [];
    const state = new Map<string, 'visiting' | 'done'>();
    const visit = (f: string, path: string[]) => {
      if (state.get(f) === 'done') return;
      if (state.get(f) === 'visiting') {
        cycles.push([...path.slice(path.indexOf(f)), f].map(rel).join(' → '));
        return;
      }
      state.set(f, 'visiting');
      for (const next of graph.get(f) ?? []) visit(next, [...path, f]);
      state.set(f, 'done');
    };
    for (const f of files) visit(f, []);
    expect(cycles).toEqual([]);
  });

  it("takes zod only through util/zod.ts (zod/mini with zod's English messages), as a namespace", () => {
    // `import { z }` binds zod's namespace object, which the bundler cannot tree-shake (~430 KB of
    // zod in the package instead of ~30 KB); `import * as z` keeps only the functions called.
    const wrong = files
      .filter((f) => rel(f) !== 'util/zod.ts')
      .flatMap((f) => {
        const text = readFileSync(f, 'utf8');
        const direct = /from\s*'zod(\/[^']*)?'/.test(text) ? [`${rel(f)}: imports zod itself`] : [];
        const named = [...text.matchAll(/import\s+(?:type\s+)?(.+?)\s+from\s*'[./]*(?:util\/)?zod\.js'/g)]
          .filter((m) => !/^\*\s+as\s+\w+$/.test(m[1]!))
          .map((m) => `${rel(f)}: import ${m[1]} from util/zod.js`);
        return [...direct, ...named];
      });
    expect(wrong).toEqual([]);
  });

  it('keeps every source file at 300 lines or fewer', () => {
    const long = files
      .map((f) => [rel(f), readFileSync(f, 'utf8').split('\n').length - 1] as const)
      .filter(([, n]) => n > 300);
    expect(long).toEqual([]);
  });
});
