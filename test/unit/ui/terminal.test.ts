import { describe, expect, it } from 'vitest';
import { progressObserver } from '../../../src/ui/progress.js';
import { consoleReporter } from '../../../src/ui/reporter.js';
import { terminal } from '../../../src/ui/terminal.js';
import type { TaskEvent } from '../../../src/orchestrate/graph.js';

/**
 * A tiny screen: applies what a terminal does with the bytes progress writes (text, newline,
 * carriage return, cursor up "ESC[nA", clear line "ESC[2K", clear to end of screen "ESC[J"),
 * so a test sees what the user would see, not the escape codes.
 */
const ESC = String.fromCharCode(27);

function screen() {
  const rows: string[] = [''];
  let row = 0;
  let col = 0;
  const write = (text: string) => {
    for (let i = 0; i < text.length; i++) {
      const esc = new RegExp(`^${ESC}\\[(\\d*)([AJK])`).exec(text.slice(i));
      if (esc) {
        const n = Number(esc[1] || '0');
        if (esc[2] === 'A') row = Math.max(0, row - n);
        else if (esc[2] === 'J') {
          rows.splice(row + 1);
          rows[row] = rows[row]!.slice(0, col);
        } else if (esc[2] === 'K' && n === 2) rows[row] = '';
        i += esc[0].length - 1;
      } else if (text[i] === '\n') {
        row++;
        col = 0;
        rows[row] ??= '';
      } else if (text[i] === '\r') col = 0;
      else {
        const line = rows[row]!.padEnd(col);
        rows[row] = line.slice(0, col) + text[i] + line.slice(col + 1);
        col++;
      }
    }
    return true;
  };
  return { stream: { write, columns: 100 } as never, lines: () => rows.filter((r) => r !== '') };
}

const event = (id: string, status: TaskEvent['status'], detail?: string): TaskEvent => ({
  id,
  title: id,
  status,
  detail,
});

describe('progress on a terminal', () => {
  it('keeps a warning written between two redraws above the block, where the next redraw leaves it', () => {
    const s = screen();
    const term = terminal({ interactive: true, stream: s.stream });
    const progress = progressObserver({ terminal: term });
    const report = consoleReporter({ interactive: true, terminal: term });
    const a = event('cluster', 'running');
    const b = event('service', 'waiting');
    progress.onChange(a, [a, b]);
    report.warn('log group /ecs/web is not ours: left alone');
    const a2 = event('cluster', 'done', 'created');
    progress.onChange(a2, [a2, b]);
    const b2 = event('service', 'running', 'creating');
    progress.onChange(b2, [a2, b2]);
    progress.finish();
    report.info('after the block');

    const lines = s.lines();
    expect(lines).toHaveLength(4);
    expect(lines[0]).toBe('! log group /ecs/web is not ours: left alone');
    expect(lines[1]).toMatch(/^✓ cluster +done .*created$/);
    expect(lines[2]).toMatch(/^… service +running .*creating$/);
    expect(lines[3]).toBe('  after the block');
  });

  it('without a terminal writes plain lines in order and never moves the cursor', () => {
    const out: string[] = [];
    const term = terminal({ interactive: false, stream: { write: (t: string) => out.push(t) } as never });
    const progress = progressObserver({ terminal: term });
    const a = event('cluster', 'running');
    progress.onChange(a, [a]);
    term.line('aws ECS CreateCluster 12ms');
    const b = event('cluster', 'done', 'created');
    progress.onChange(b, [b]);
    expect(out.join('')).not.toContain('\x1b[');
    // Plain progress prints a task once, when it ends (no 'running' line).
    expect(out.join('').split('\n').filter(Boolean)).toEqual([
      'aws ECS CreateCluster 12ms',
      expect.stringMatching(/^✓ cluster +done +created$/),
    ]);
  });
});
