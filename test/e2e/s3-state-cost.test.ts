/**
 * The cost of recording each ID the moment it exists when every record is a conditional PutObject:
 * `up` from nothing with the local file vs an s3:// state, on moto, and what the S3 run sent.
 * Printed, not asserted (speed is judged in `npm run bench`); the test checks both runs succeed
 * and the S3 object holds the stack.
 */
import { motoS3 } from '../harness/aws.js';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runCli } from '../harness/cli.js';
import { startProxy, type Proxy } from '../harness/proxy.js';
import { FAST, IMAGE, startUpWorld, type UpWorld } from '../harness/standins.js';

let world: UpWorld;
let proxy: Proxy;
let s3: S3Client;
beforeAll(async () => {
  world = await startUpWorld();
  proxy = await startProxy(world.moto.endpoint);
  s3 = motoS3(world.moto.endpoint);
  await s3.send(new CreateBucketCommand({ Bucket: 'cost-state' }));
}, 60_000);
afterAll(async () => {
  await proxy?.close();
  await world?.stop();
});

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

it('up with a file state vs an s3:// state (wall time and S3 calls printed)', async () => {
  const times: Record<string, number[]> = { file: [], s3: [] };
  const s3Calls: string[] = [];
  for (let round = 0; round < 3; round++) {
    for (const kind of ['file', 's3'] as const) {
      const cwd = await mkdtemp(join(tmpdir(), `ecsctl-cost-${kind}-`));
      const env = { ...FAST, ...(kind === 's3' ? { ECSCTL_STATE: `s3://cost-state/${kind}${round}.json` } : {}) };
      const o = { cwd, endpoint: proxy.endpoint, env, timeoutMs: 170_000 };
      const from = proxy.calls.length;
      const start = performance.now();
      const up = await runCli(['up', '--name', `${kind}${round}`, '--image', IMAGE], o);
      times[kind]!.push(performance.now() - start);
      expect(up.code, up.stderr.slice(-600)).toBe(0);
      if (kind === 's3' && round === 0) {
        s3Calls.push(
          ...proxy.calls
            .slice(from)
            .filter((c) => c.service === 'S3')
            .map((c) => `${c.operation}${/\.lock(\?|$)/.test(c.path ?? '') ? ' (lock)' : ''}`),
        );
        const state = await s3.send(new GetObjectCommand({ Bucket: 'cost-state', Key: 's30.json' }));
        expect(JSON.parse((await state.Body!.transformToString()) ?? '').name).toBe('s30');
      }
      const down = await runCli(['down', '--yes'], o);
      expect(down.code, down.stderr.slice(-600)).toBe(0);
    }
  }
  // One conditional, encrypted PutObject of a whole state (about 3 KB), as ecsctl sends it.
  const body = `${JSON.stringify({ pad: 'x'.repeat(2_800) }, null, 2)}\n`;
  let etag = (await s3.send(new PutObjectCommand({ Bucket: 'cost-state', Key: 'w.json', Body: body }))).ETag;
  const puts: number[] = [];
  for (let i = 0; i < 30; i++) {
    const t = performance.now();
    const out = await s3.send(
      new PutObjectCommand({
        Bucket: 'cost-state',
        Key: 'w.json',
        Body: `${body}${i}`,
        IfMatch: etag,
        ServerSideEncryption: 'AES256',
      }),
    );
    puts.push(performance.now() - t);
    etag = out.ETag;
  }
  const byOp = s3Calls.reduce<Record<string, number>>((m, c) => ({ ...m, [c]: (m[c] ?? 0) + 1 }), {});
  console.log(
    [
      `up wall time ms (3 rounds): file ${times.file!.map(Math.round).join(', ')} (median ${Math.round(median(times.file!))}); s3 ${times.s3!.map(Math.round).join(', ')} (median ${Math.round(median(times.s3!))})`,
      `S3 calls of one up from nothing: ${s3Calls.length} ${JSON.stringify(byOp)}`,
      `one conditional PutObject on moto: median ${median(puts).toFixed(1)} ms, max ${Math.max(...puts).toFixed(1)} ms`,
    ].join('\n'),
  );
}, 600_000);
