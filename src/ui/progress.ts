/**
 * One line per task on stderr: "waiting", "running", "done", "failed" or "stopped" with elapsed
 * time. On a terminal the block is redrawn in place; otherwise (CI logs, pipes) each task prints
 * one line, once, when it ends — with its outcome and how long it took.
 */
import type { GraphObserver, TaskEvent } from '../orchestrate/graph.js';
import { formatElapsed } from '../util/poll.js';
import type { Terminal } from './terminal.js';

const SYMBOL: Record<TaskEvent['status'], string> = {
  waiting: '·',
  running: '…',
  done: '✓',
  failed: '✗',
  stopped: '■',
  'not started': '-',
};

export function formatTaskLine(e: TaskEvent, width = 22): string {
  const time = e.elapsedMs !== undefined ? ` ${formatElapsed(e.elapsedMs).padStart(6)}` : '       ';
  const detail = e.detail ? `  ${e.detail.split('\n')[0]}` : '';
  return `${SYMBOL[e.status]} ${e.title.padEnd(width)} ${e.status.padEnd(11)}${time}${detail}`;
}

export function progressObserver(o: { terminal: Terminal }): GraphObserver & { finish(): void } {
  const term = o.terminal;
  if (term.interactive) {
    let latest: readonly TaskEvent[] = [];
    // Through the terminal, so lines written between two redraws stay above the block.
    const draw = () => {
      const width = Math.max(...latest.map((e) => e.title.length));
      term.block(latest.map((e) => formatTaskLine(e, width).slice(0, term.columns - 1)));
    };
    const timer = setInterval(draw, 500);
    timer.unref();
    return {
      onChange(_e, all) {
        latest = all;
        draw();
      },
      finish() {
        clearInterval(timer);
        draw();
        term.release();
      },
    };
  }
  const ended = new Set<string>();
  return {
    onChange(e, all) {
      if (e.status === 'waiting' || e.status === 'running' || ended.has(e.id)) return;
      ended.add(e.id);
      const width = Math.max(...all.map((t) => t.title.length));
      term.line(formatTaskLine(e, width));
    },
    finish() {},
  };
}
