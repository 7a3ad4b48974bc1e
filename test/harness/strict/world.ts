/**
 * The setup every strict-AWS e2e file shares: one moto with the agent/scheduler stand-ins for the
 * whole file, and per case a fresh strict proxy (with that case's rules) and working directory.
 * Registers its own beforeAll/afterAll; call it at the top level of a test file.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { verifyClients, type VerifyClients } from '../aws.js';
import type { CliOptions } from '../cli.js';
import { FAST, startUpWorld, type UpWorld } from '../standins.js';
import { startStrictProxy, type StrictProxy } from './proxy.js';
import type { Rule } from './rule.js';

export interface StrictWorld {
  /** SDK clients straight to moto, for reading results back. */
  readonly aws: VerifyClients;
  /** moto itself, behind no proxy (e.g. for clients of another region). */
  readonly motoEndpoint: string;
  /** The proxy of the current case (after `strict`). */
  readonly proxy: StrictProxy;
  /** A fresh proxy with these rules and a fresh working directory, as CLI options. */
  strict(rules: Rule[]): Promise<CliOptions>;
  /** How many calls of this operation reached the current proxy. */
  callsOf(operation: string): number;
}

export function useStrictWorld(): StrictWorld {
  let world: UpWorld | undefined;
  let aws: VerifyClients | undefined;
  let proxy: StrictProxy | undefined;
  beforeAll(async () => {
    world = await startUpWorld();
    aws = verifyClients(world.moto.endpoint);
  });
  afterAll(async () => {
    await proxy?.close();
    await world?.stop();
  });
  return {
    get aws() {
      return aws!;
    },
    get motoEndpoint() {
      return world!.moto.endpoint;
    },
    get proxy() {
      return proxy!;
    },
    async strict(rules) {
      await proxy?.close();
      proxy = await startStrictProxy(world!.moto.endpoint, rules);
      return {
        cwd: await mkdtemp(join(tmpdir(), 'ecsctl-strict-')),
        endpoint: proxy.endpoint,
        env: FAST,
        timeoutMs: 170_000,
      };
    },
    callsOf: (operation) => proxy!.calls.filter((c) => c.operation === operation).length,
  };
}
