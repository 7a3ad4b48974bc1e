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

/** Long flags a user may have meant: a typo of one (≤ 2 edits), or one with the typed word in it. */
export function closestOptions(flag: string, candidates: readonly string[]): string[] {
  const word = flag.replace(/^--(no-)?/, '').split('=')[0]!;
  if (word.length < 2) return [];
  const scored = candidates
    .map((c) => {
      const name = c.replace(/^--(no-)?/, '');
      const d = distance(word, name);
      const part = name.split('-').some((p) => p === word || (word.length >= 4 && p.startsWith(word)));
      return { c, score: d <= Math.min(2, Math.floor(name.length / 3)) ? d : part ? 3 : Infinity };
    })
    .filter((s) => s.score !== Infinity)
    .sort((a, b) => a.score - b.score || a.c.localeCompare(b.c));
  return [...new Set(scored.map((s) => s.c))].slice(0, 3);
}

/** Gives every command of the tree the closest-option message for an unknown option. */
export function suggestClosestOptions(root: Command): void {
  const visit = (cmd: Command) => {
    // commander calls unknownOption for an unknown option; it is not in its type declarations.
    // commander calls this method for an unknown option; it is not in its type declarations.
    (cmd as unknown as { unknownOption: (flag: string) => never }).unknownOption = (flag: string): never => {
      const candidates: string[] = [];
      for (let c: Command | null = cmd; c; c = c.parent)
        for (const o of c.options) if (o.long && !o.hidden) candidates.push(o.long);
      const close = flag.startsWith('--') ? closestOptions(flag, candidates) : [];
      const hint = close.length ? ` (did you mean ${close.join(' or ')}?)` : '';
      cmd.error(`error: unknown option '${flag}'${hint}`, { code: 'commander.unknownOption', exitCode: 1 });
    };
    cmd.commands.forEach(visit);
  };
  visit(root);
}
