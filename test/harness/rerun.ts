/**
 * A rerun of `up` on a complete stack: exit 0, not one mutating call at the proxy, and the account
 * read back from moto exactly as before.
 */
import { expect } from 'vitest';
import { runCli, type CliOptions } from './cli.js';
import type { Proxy } from './proxy.js';
import type { VerifyClients } from './aws.js';
import { inventory } from './inventory.js';

export const MUTATING =
  /^(Create|Run|Register|Update|Put|Authorize|Attach|Add|Delete|Deregister|Terminate|Modify|Set|Remove|Detach|Revoke|Tag|Request|Change|Import)/;

export async function expectRerunChangesNothing(
  args: string[],
  opts: CliOptions,
  proxy: Proxy,
  aws: VerifyClients,
): Promise<void> {
  const before = await inventory(aws);
  const from = proxy.calls.length;
  const again = await runCli(args, opts);
  expect(again.code, again.stderr.slice(-2000)).toBe(0);
  expect(
    proxy.calls
      .slice(from)
      .map((c) => c.operation)
      .filter((op) => MUTATING.test(op)),
  ).toEqual([]);
  expect(await inventory(aws)).toEqual(before);
}
