import { describe, expect, it } from 'vitest';
import { sleep } from '../../../src/cli/run-helpers.js';

describe("the runner's sleep", () => {
  it('resolves after the time when no signal aborts', async () => {
    await expect(sleep(1, [new AbortController().signal, new AbortController().signal])).resolves.toBeUndefined();
  });

  it("rejects at once with the task's stop reason when the extra signal aborts (another task failed)", async () => {
    const command = new AbortController();
    const stop = new AbortController();
    const slept = sleep(60_000, [command.signal, stop.signal]);
    stop.abort(new Error('stopped: instances failed'));
    await expect(slept).rejects.toThrow('stopped: instances failed');
  });

  it('rejects with the interruption on Ctrl-C, and at once if a signal is already aborted', async () => {
    const command = new AbortController();
    const slept = sleep(60_000, [command.signal, new AbortController().signal]);
    command.abort(new Error('interrupted'));
    await expect(slept).rejects.toThrow('interrupted');
    await expect(sleep(60_000, [command.signal])).rejects.toThrow('interrupted');
  });
});
