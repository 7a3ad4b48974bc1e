/**
 * One line per task on stderr: "waiting", "running", "done" or "failed" with elapsed time.
 * On a terminal the block is redrawn in place; otherwise a line is printed on each change of
 * status (and of detail, at most every few seconds per task, so CI logs stay short).
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

export function progressObserver(o: {
  terminal: Terminal;
  detailEveryMs?: number;
  now?: () => number;
}): GraphObserver & { finish(): void } {
  const term = o.terminal;
  const now = o.now ?? Date.now;
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
  const lastStatus = new Map<string, string>();
  const lastDetailAt = new Map<string, number>();
  const every = o.detailEveryMs ?? 5_000;
  return {
    onChange(e, all) {
      const width = Math.max(...all.map((t) => t.title.length));
      const statusChanged = lastStatus.get(e.id) !== e.status;
      const dueDetail = e.status === 'running' && now() - (lastDetailAt.get(e.id) ?? 0) >= every;
      if (!statusChanged && !dueDetail) return;
      lastStatus.set(e.id, e.status);
      lastDetailAt.set(e.id, now());
      if (e.status === 'waiting') return; // everything starts waiting; the plan already said so
      term.line(formatTaskLine(e, width));
    },
    finish() {},
  };
}
