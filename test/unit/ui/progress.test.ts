import { describe, expect, it } from 'vitest';
import type { TaskEvent } from '../../../src/orchestrate/graph.js';
import { progressObserver } from '../../../src/ui/progress.js';
import { terminal } from '../../../src/ui/terminal.js';

function plain() {
  const lines: string[] = [];
  const stream = {
    write: (s: string) => lines.push(...s.split('\n').filter(Boolean)),
  } as unknown as NodeJS.WriteStream;
  return { lines, observer: progressObserver({ terminal: terminal({ interactive: false, stream }) }) };
}

describe('plain (non-terminal) progress', () => {
  it('prints each task once, when it ends, with its outcome — no "running" lines, no repeated details', () => {
    const { lines, observer } = plain();
    const all: TaskEvent[] = [
      { id: 'lb', title: 'load balancer active', status: 'waiting' },
      { id: 'tg', title: 'target group', status: 'waiting' },
    ];
    const emit = (e: TaskEvent) => observer.onChange(e, all);
    emit({ ...all[0]!, status: 'running' });
    emit({ ...all[1]!, status: 'running' });
    for (let s = 1; s < 30; s++)
      emit({ ...all[0]!, status: 'running', detail: `provisioning (${s}s)`, elapsedMs: s * 1000 });
    emit({ ...all[1]!, status: 'done', detail: 'created', elapsedMs: 400 });
    emit({ ...all[0]!, status: 'done', detail: 'read: active', elapsedMs: 150_000 });
    emit({ ...all[0]!, status: 'done', detail: 'read: active', elapsedMs: 150_000 });
    expect(lines).toEqual([
      '✓ target group         done            0s  created',
      '✓ load balancer active done        2m 30s  read: active',
    ]);
  });

  it('prints a failed, a stopped and a task that never started, once each', () => {
    const { lines, observer } = plain();
    const all: TaskEvent[] = [{ id: 'x', title: 'x', status: 'waiting' }];
    observer.onChange({ id: 'a', title: 'instances', status: 'failed', detail: 'VcpuLimitExceeded' }, all);
    observer.onChange({ id: 'b', title: 'lb active', status: 'stopped', detail: 'stopped: a failed' }, all);
    observer.onChange({ id: 'c', title: 'service', status: 'not started' }, all);
    expect(lines.map((l) => l.slice(0, 1))).toEqual(['✗', '■', '-']);
    expect(lines).toHaveLength(3);
  });
});
