import { describe, expect, it } from 'vitest';
import { WaitTimeoutError } from '../../../src/errors.js';
import { nextInterval, pollUntil, WAITS, type PollSchedule } from '../../../src/util/poll.js';

/**
 * A clock that only moves when the poll loop sleeps, and a resource that becomes ready at
 * `readyAtMs`: returns every read's time and every sleep, as the loop did them.
 */
async function walk(
  schedule: PollSchedule,
  readyAtMs: number,
  random: () => number,
  timeoutMs = 900_000,
  /** How long each describe call takes, and ECSCTL_POLL_SCALE (sleeps last `scale` of what is asked). */
  { callMs = 0, scale = 1 } = {},
) {
  let now = 0;
  const reads: number[] = [];
  const sleeps: number[] = [];
  await pollUntil({
    what: 'the test resource',
    schedule,
    timeoutMs,
    now: () => now,
    sleep: async (ms) => {
      sleeps.push(ms);
      now += ms * scale;
    },
    random,
    scale,
    read: async () => {
      reads.push(now);
      const ready = now >= readyAtMs;
      now += callMs;
      return ready;
    },
    done: (ready) => ready,
  });
  return { reads, sleeps, lateMs: reads.at(-1)! - readyAtMs };
}

const noJitter = () => 0;
const mostJitter = () => 0.999_999; // every interval as short as the jitter makes it: the most calls

describe('pollUntil schedule', () => {
  it('checks at once, then after 0.25 s, 0.5 s, 1 s, 2 s …, doubling up to the cap', async () => {
    const { reads, sleeps } = await walk({ capMs: 2_000 }, 10_000, noJitter);
    expect(reads[0]).toBe(0);
    expect(sleeps.slice(0, 6)).toEqual([250, 500, 1_000, 2_000, 2_000, 2_000]);
  });

  it('sees a resource that is already there with one call and no sleep', async () => {
    const { reads, sleeps } = await walk(WAITS.loadBalancerActive, 0, mostJitter);
    expect(reads).toEqual([0]);
    expect(sleeps).toEqual([]);
  });

  it('sees an emulator that is ready within a second within a second', async () => {
    const { lateMs, reads } = await walk(WAITS.loadBalancerActive, 600, noJitter);
    expect(reads).toEqual([0, 250, 750]);
    expect(lateMs).toBe(150);
  });

  it('makes at most 20 describe calls for a load balancer that takes 150 s, even with the most jitter', async () => {
    for (const random of [noJitter, mostJitter, () => 0.5]) {
      const { reads, lateMs } = await walk(WAITS.loadBalancerActive, 150_000, random);
      expect(reads.length).toBeLessThanOrEqual(20);
      expect(lateMs).toBeLessThanOrEqual(WAITS.loadBalancerActive.capMs);
    }
  });

  it('is at most one cap late once the usual duration is up, and polls at the cap from then on', async () => {
    for (const readyAt of [150_000, 160_000, 185_000, 240_000]) {
      const { lateMs, sleeps } = await walk(WAITS.loadBalancerActive, readyAt, noJitter);
      expect(lateMs).toBeLessThanOrEqual(5_000);
      expect(sleeps.at(-1)).toBeLessThanOrEqual(5_000);
    }
  });

  it('before the usual duration, stretches an interval to at most a quarter of the time still expected', async () => {
    const { reads, sleeps } = await walk(WAITS.loadBalancerActive, 150_000, noJitter);
    let slept = 0;
    for (const ms of sleeps) {
      expect(ms).toBeLessThanOrEqual(Math.max(5_000, (150_000 - slept) / 4));
      slept += ms;
    }
    // An early load balancer (ready at 75 s, half the usual time) is seen within 15 s.
    expect((await walk(WAITS.loadBalancerActive, 75_000, noJitter)).lateMs).toBeLessThan(15_000);
    expect(reads.length).toBeGreaterThan(10);
  });

  it('keeps the other waits within their caps and about 20 calls at their usual durations', async () => {
    // The interfaces of a deleted ALB are `down`'s critical path: a 2 s cap costs one call more.
    for (const [schedule, readyAt, calls] of [
      [WAITS.instancesRegistered, 40_000, 20],
      [WAITS.loadBalancerInterfaces, 90_000, 21],
      [WAITS.instancesTerminated, 35_000, 20],
      [WAITS.rollout, 15_000, 20],
      [WAITS.serviceInactive, 15_000, 20],
    ] as const) {
      const { reads, lateMs } = await walk(schedule, readyAt, mostJitter);
      expect(reads.length).toBeLessThanOrEqual(calls);
      expect(lateMs).toBeLessThanOrEqual(schedule.capMs);
    }
  });

  it("counts the calls' own time, and the scaled sleeps of the time model, as time waited", async () => {
    // 1 s per describe call: at 90 s the schedule knows 90 s have gone by, so the interfaces
    // are seen at most one cap late, not a stretched quarter of a believed remainder later.
    for (const random of [noJitter, mostJitter]) {
      expect(
        (await walk(WAITS.loadBalancerInterfaces, 90_000, random, 900_000, { callMs: 1_000 })).lateMs,
      ).toBeLessThanOrEqual(WAITS.loadBalancerInterfaces.capMs + 1_000);
      // At 1:20 (ECSCTL_POLL_SCALE 0.05) the same wait in wall time: 4.5 s, at most a 0.1 s cap late.
      const scaled = await walk(WAITS.loadBalancerInterfaces, 4_500, random, 900_000, { callMs: 15, scale: 0.05 });
      expect(scaled.lateMs).toBeLessThanOrEqual(WAITS.loadBalancerInterfaces.capMs * 0.05 + 15);
      expect(scaled.reads.length).toBeLessThanOrEqual(21);
    }
  });

  it('shortens each interval by at most 10 % of jitter, never lengthens it', () => {
    for (let n = 0; n < 12; n++) {
      const plain = nextInterval({ capMs: 3_000 }, n, 0, noJitter);
      const jittered = nextInterval({ capMs: 3_000 }, n, 0, mostJitter);
      expect(jittered).toBeLessThanOrEqual(plain);
      expect(jittered).toBeGreaterThanOrEqual(Math.floor(plain * 0.9));
    }
  });

  it('times out with exit 4 after timeoutMs, never sleeping past it', async () => {
    const run = walk({ capMs: 2_000 }, Infinity, noJitter, 7_000);
    await expect(run).rejects.toBeInstanceOf(WaitTimeoutError);
    await expect(run).rejects.toThrow(/timed out after 7s waiting for the test resource/);
  });

  it('stops at once when its sleep is aborted (the signal a failed task or Ctrl-C raises)', async () => {
    const controller = new AbortController();
    let reads = 0;
    const run = pollUntil({
      what: 'x',
      schedule: WAITS.loadBalancerActive,
      now: () => 0,
      // As the runner's sleep: rejects with the signal's reason, at once if it is aborted already.
      sleep: () =>
        new Promise((_, reject) => {
          if (controller.signal.aborted) reject(controller.signal.reason);
          controller.signal.addEventListener('abort', () => reject(controller.signal.reason));
        }),
      read: async () => ++reads,
      done: () => false,
    });
    controller.abort(new Error('stopped: another task failed'));
    await expect(run).rejects.toThrow('stopped: another task failed');
    expect(reads).toBe(1);
  });
});
