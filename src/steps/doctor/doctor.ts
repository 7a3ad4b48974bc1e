/**
 * `ecsctl doctor`: every check of checks.ts, credentials first (without them the AWS checks are
 * reported as not checked rather than as eight copies of the same error), the rest in parallel.
 * `ok` is false when any line is ✗: that is when `up` would fail.
 */
import type { Clients } from '../../aws/clients.js';
import {
  checkCredentials,
  checkEcsRole,
  checkEngine,
  checkInstanceType,
  checkNetwork,
  checkNode,
  checkRegion,
  notChecked,
  readInstanceType,
  type Check,
  type Identity,
  type InstanceTypeFacts,
} from './checks.js';
import { checkVcpuQuota } from './quota.js';

export interface DoctorInput {
  readonly region: string;
  readonly endpoint?: string;
  readonly instanceType: string;
  readonly instanceCount: number;
  readonly vpcId?: string;
  /** The Docker engine's architecture, or why it cannot be reached; 'not-needed' with --image. */
  readonly engine: () => Promise<{ arch?: string; error?: string; fix?: string } | 'not-needed'>;
  readonly nodeVersion: string;
}

export interface DoctorReport {
  /** True when no line is ✗: `up` with these settings should work. */
  readonly ok: boolean;
  readonly account?: string;
  readonly region: string;
  readonly checks: readonly Check[];
}

/** Any unexpected error of a check becomes that check's ✗ line. */
async function guarded(id: string, title: string, run: () => Promise<Check>): Promise<Check> {
  try {
    return await run();
  } catch (e) {
    const name = (e as { name?: string })?.name ?? 'Error';
    const message = (e instanceof Error ? e.message : String(e)).split('\n')[0];
    return { id, status: 'fail', title, detail: `${name}: ${message}`, fix: 'Run with --verbose to see the call.' };
  }
}

export async function runDoctor(aws: Clients, input: DoctorInput): Promise<DoctorReport> {
  const engine = input.engine();
  const node = checkNode(input.nodeVersion);
  const region = checkRegion(input.region, input.endpoint);
  const creds = await checkCredentials(aws);
  const identity: Identity | undefined = creds.identity;

  let typeFacts: InstanceTypeFacts | undefined;
  let typeError: unknown;
  const typeRead = identity
    ? readInstanceType(aws, input.instanceType).then(
        (f) => (typeFacts = f),
        (e: unknown) => (typeError = e),
      )
    : Promise.resolve();
  const [network, role, quota] = identity
    ? await Promise.all([
        checkNetwork(aws, input.vpcId)
          .then((n) => (input.endpoint ? onEmulator(n) : n))
          .catch((e: unknown) => ({
            check: failed('network', 'VPC and subnets', e),
            facts: undefined,
          })),
        guarded('ecs-role', 'ECS service-linked role', () => checkEcsRole(aws)),
        typeRead.then(() =>
          guarded('vcpu-quota', 'vCPU quota', () =>
            checkVcpuQuota(aws, input.instanceType, input.instanceCount, typeFacts),
          ),
        ),
      ])
    : [
        { check: notChecked('network', 'VPC and subnets'), facts: undefined },
        notChecked('ecs-role', 'ECS service-linked role'),
        notChecked('vcpu-quota', 'vCPU quota'),
      ];
  const type = !identity
    ? notChecked('instance-type', 'Instance type')
    : typeError
      ? failed('instance-type', 'Instance type', typeError)
      : checkInstanceType(input.instanceType, typeFacts, network.facts);
  const docker = checkEngine(await engine, typeFacts?.archs, input.instanceType);

  const checks = [node, region, creds.check, docker, network.check, type, role, quota];
  return {
    ok: checks.every((c) => c.status !== 'fail'),
    ...(identity ? { account: identity.account } : {}),
    region: input.region,
    checks,
  };
}

/**
 * moto's default VPC has no internet gateway (AWS's has one), and on an emulator the agent
 * stand-in registers instances whatever the routes: worth a note, not a failure.
 */
function onEmulator<T extends { check: Check }>(n: T): T {
  if (n.check.status !== 'fail') return n;
  return {
    ...n,
    check: {
      ...n.check,
      status: 'warn',
      detail: `${n.check.detail} (an emulator: its instances register through the agent stand-in, not the network)`,
    },
  };
}

function failed(id: string, title: string, e: unknown): Check {
  const name = (e as { name?: string })?.name ?? 'Error';
  const message = (e instanceof Error ? e.message : String(e)).split('\n')[0];
  return { id, status: 'fail', title, detail: `${name}: ${message}`, fix: 'Run with --verbose to see the call.' };
}

const MARK = { ok: '✓', warn: '!', fail: '✗' } as const;

export function renderDoctor(report: DoctorReport): string {
  const width = Math.max(...report.checks.map((c) => c.title.length));
  const lines = report.checks.flatMap((c) => [
    `${MARK[c.status]} ${c.title.padEnd(width)}  ${c.detail}`,
    ...(c.fix && c.status !== 'ok' ? [`  ${' '.repeat(width)}  → ${c.fix}`] : []),
  ]);
  const failures = report.checks.filter((c) => c.status === 'fail').length;
  lines.push(
    '',
    report.ok
      ? 'ecsctl up should work with these settings.'
      : `${failures} problem${failures === 1 ? '' : 's'} (✗) would make ecsctl up fail; fix ${failures === 1 ? 'it' : 'them'} and run ecsctl doctor again.`,
  );
  return lines.join('\n');
}
