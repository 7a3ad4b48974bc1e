/**
 * "unknown option '--count'" → the options meant: commander's own suggestion needs a near-spelling
 * (--typ → --type) and misses a word of a longer flag (--count → --desired-count, --instance-count).
 */
import type { Command } from 'commander';

/** Edit distance, for typos. */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length]!;
}

/**
 * Long flags a user may have meant: typos of one (≤ 2 edits) when there are any; otherwise those
 * sharing a word with what was typed (--count → --desired-count; --instance-typ on a command whose
 * flag is --type → --type). At most three.
 */
export function closestOptions(flag: string, candidates: readonly string[]): string[] {
  const word = flag.replace(/^--(no-)?/, '').split('=')[0]!;
  if (word.length < 2) return [];
  const typed = word.split('-').filter((w) => w.length >= 3);
  const names = [...new Set(candidates)].map((c) => ({ c, name: c.replace(/^--(no-)?/, '') }));
  const typos = names
    .map((n) => ({ ...n, d: distance(word, n.name) }))
    .filter((n) => n.d <= Math.min(2, Math.floor(n.name.length / 3)))
    .sort((a, b) => a.d - b.d || a.c.localeCompare(b.c));
  if (typos.length > 0) return typos.slice(0, 3).map((n) => n.c);
  return names
    .filter((n) => n.name.split('-').some((p) => typed.some((w) => p === w || p.startsWith(w))))
    .map((n) => n.c)
    .sort()
    .slice(0, 3);
}

/** Gives every command of the tree the closest-option message for an unknown option. */
export function suggestClosestOptions(root: Command): void {
  const visit = (cmd: Command) => {
    // commander calls this method for an unknown option; it is not in its type declarations.
    (cmd as unknown as { unknownOption: (flag: string) => never }).unknownOption = (flag: string): never => {
      const candidates: string[] = [];
      for (let c: Command | null = cmd; c; c = c.parent)
        for (const o of c.options) if (o.long && !o.hidden) candidates.push(o.long);
      const close = flag.startsWith('--') ? closestOptions(flag, candidates) : [];
      const hint = close.length ? ` (did you mean ${orList(close)}?)` : '';
      cmd.error(`error: unknown option '${flag}'${hint}`, { code: 'commander.unknownOption', exitCode: 1 });
    };
    cmd.commands.forEach(visit);
  };
  visit(root);
}

/** "a", "a or b", "a, b or c". */
function orList(items: readonly string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} or ${items.at(-1)}`;
}
