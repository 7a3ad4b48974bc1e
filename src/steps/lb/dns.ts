/**
 * The two records `--domain` puts into the user's Route 53 hosted zone: ACM's validation CNAME and
 * the alias A record <fqdn> → the load balancer. Records carry no tags, so ownership lives in the
 * state: a record is recorded (before the write, so a crash cannot lose it) only when ecsctl
 * writes it, and only a recorded record is ever deleted, with the exact values read back (Route
 * 53 deletes only an exact match). The hosted zone itself is only read, never changed.
 */
import {
  ChangeResourceRecordSetsCommand,
  GetHostedZoneCommand,
  ListHostedZonesByNameCommand,
  ListResourceRecordSetsCommand,
  type Change,
  type HostedZone,
  type ResourceRecordSet,
  type Route53Client,
} from '@aws-sdk/client-route-53';
import { asOperationError, isAwsError } from '../../aws/errors.js';
import { OperationError, UsageError } from '../../errors.js';
import type { StepContext } from '../context.js';
import { inZone, parentDomains, sameName } from './domain-input.js';
import type { ConvergeOutcome } from '../outcome.js';
import { changeBatchMessages, isInvalidChangeBatch } from './route53-errors.js';

export interface ZoneRecord {
  readonly id: string;
  readonly name: string;
}

const zoneOf = (z: HostedZone): ZoneRecord => ({
  id: z.Id!.replace(/^\/hostedzone\//, ''),
  name: z.Name!.replace(/\.$/, ''),
});

/**
 * The public hosted zone for `fqdn`: the given one (checked: it exists, is public and contains the
 * name), else the one whose name is the longest suffix of the name. None, or several public zones
 * of that same name, is a usage error listing what was found. ListHostedZonesByName lists zones
 * from the given name on in reversed-label order, so each suffix asks once and keeps exact matches.
 */
export async function findHostedZone(r53: Route53Client, fqdn: string, givenId?: string): Promise<ZoneRecord> {
  if (givenId) {
    let zone: HostedZone | undefined;
    try {
      zone = (await r53.send(new GetHostedZoneCommand({ Id: givenId }))).HostedZone;
    } catch (e) {
      if (isAwsError(e, 'NoSuchHostedZone', 'InvalidInput'))
        throw new UsageError(`--hosted-zone-id ${givenId}: no such hosted zone in this account`);
      throw asOperationError(`read hosted zone ${givenId}`, e);
    }
    const z = zoneOf(zone!);
    if (zone!.Config?.PrivateZone)
      throw new UsageError(
        `--hosted-zone-id ${givenId} (${z.name}) is a private zone; ACM validates through public DNS`,
      );
    if (!inZone(fqdn, z.name))
      throw new UsageError(`--hosted-zone-id ${givenId} is ${z.name}, which does not contain ${fqdn}`);
    return z;
  }
  for (const suffix of parentDomains(fqdn)) {
    const found: HostedZone[] = [];
    let next: { DNSName?: string; HostedZoneId?: string } = { DNSName: suffix };
    try {
      for (;;) {
        const out = await r53.send(new ListHostedZonesByNameCommand({ ...next, MaxItems: 100 }));
        const zones = out.HostedZones ?? [];
        found.push(...zones.filter((z) => sameName(z.Name, suffix) && !z.Config?.PrivateZone));
        // Sorted by name: once a zone of another name shows up, no more of this one follow.
        if (!out.IsTruncated || !sameName(out.NextDNSName, suffix) || zones.some((z) => !sameName(z.Name, suffix)))
          break;
        next = { DNSName: out.NextDNSName, HostedZoneId: out.NextHostedZoneId };
      }
    } catch (e) {
      throw asOperationError(`list hosted zones named ${suffix}`, e);
    }
    if (found.length === 1) return zoneOf(found[0]!);
    if (found.length > 1) {
      throw new UsageError(
        `${found.length} public hosted zones are named ${suffix}: ${found.map((z) => zoneOf(z).id).join(', ')}`,
        { hint: 'Pass the one that serves the domain with --hosted-zone-id.' },
      );
    }
  }
  throw new UsageError(`no public Route 53 hosted zone in this account contains ${fqdn}`, {
    hint: `Create one for ${parentDomains(fqdn).at(-1)} (and delegate to it at the registrar), or pass --hosted-zone-id.`,
  });
}

/** The record sets named exactly `name` (every type), in the order Route 53 keeps them. */
export async function findRecords(r53: Route53Client, zoneId: string, name: string): Promise<ResourceRecordSet[]> {
  try {
    const out = await r53.send(
      new ListResourceRecordSetsCommand({ HostedZoneId: zoneId, StartRecordName: name, MaxItems: 100 }),
    );
    return (out.ResourceRecordSets ?? []).filter((r) => sameName(r.Name, name));
  } catch (e) {
    throw asOperationError(`list the records named ${name} in hosted zone ${zoneId}`, e);
  }
}

/**
 * One change batch. InvalidChangeBatch (a CREATE of a name that exists, a DELETE of one that does
 * not) is passed to `onInvalid`, which decides; every other failure is reported as `what`.
 */
async function change(
  r53: Route53Client,
  zoneId: string,
  changes: Change[],
  what: string,
  onInvalid?: (e: unknown) => Promise<void>,
): Promise<void> {
  try {
    await r53.send(
      new ChangeResourceRecordSetsCommand({
        HostedZoneId: zoneId,
        ChangeBatch: { Comment: 'ecsctl', Changes: changes },
      }),
    );
  } catch (e) {
    if (onInvalid && isInvalidChangeBatch(e)) return onInvalid(e);
    if (isInvalidChangeBatch(e))
      throw new OperationError(`${what}: InvalidChangeBatch: ${changeBatchMessages(e)}`, { cause: e });
    throw asOperationError(what, e);
  }
}

export interface ValidationRecordInput {
  readonly hostedZoneId: string;
  /** As ACM names it in DomainValidationOptions[].ResourceRecord. */
  readonly name: string;
  readonly value: string;
}

/**
 * Makes sure ACM's validation CNAME is in the zone. Already there with ACM's value: nothing to do,
 * and it stays the user's unless ecsctl recorded writing it (ACM uses the same record for every
 * certificate of a name in an account, so it may predate the stack). There with another value:
 * refused, never overwritten. Missing: recorded, then written with UPSERT.
 */
export async function ensureValidationRecord(ctx: StepContext, r: ValidationRecordInput): Promise<ConvergeOutcome> {
  const existing = (await findRecords(ctx.aws.route53, r.hostedZoneId, r.name)).filter((x) => x.Type === 'CNAME');
  if (existing.some((x) => x.ResourceRecords?.some((v) => sameName(v.Value, r.value)))) return 'unchanged';
  if (existing.length > 0) {
    throw new OperationError(
      `the validation record ${r.name} exists in hosted zone ${r.hostedZoneId} with another value (${existing[0]!.ResourceRecords?.[0]?.Value}); ecsctl will not overwrite it`,
      { hint: `ACM needs CNAME ${r.value}; change the record yourself if the old value is not in use.` },
    );
  }
  await ctx.state.record({ validationRecord: { hostedZoneId: r.hostedZoneId, name: r.name, value: r.value } });
  await change(
    ctx.aws.route53,
    r.hostedZoneId,
    [
      {
        Action: 'UPSERT',
        ResourceRecordSet: { Name: r.name, Type: 'CNAME', TTL: 300, ResourceRecords: [{ Value: r.value }] },
      },
    ],
    `write the validation record ${r.name}`,
  );
  return 'created';
}

/** Deletes the validation CNAME only if ecsctl recorded writing it and it still holds ACM's value. */
export async function deleteValidationRecord(ctx: StepContext): Promise<'deleted' | 'absent' | 'kept'> {
  const recorded = ctx.state.current.validationRecord;
  if (!recorded) return 'absent';
  const current = (await findRecords(ctx.aws.route53, recorded.hostedZoneId, recorded.name)).find(
    (x) => x.Type === 'CNAME',
  );
  let outcome: 'deleted' | 'absent' | 'kept' = 'absent';
  if (current && current.ResourceRecords?.some((v) => sameName(v.Value, recorded.value))) {
    await deleteExactly(
      ctx.aws.route53,
      recorded.hostedZoneId,
      current,
      `delete the validation record ${recorded.name}`,
    );
    outcome = 'deleted';
  } else if (current) {
    ctx.report.warn(`validation record ${recorded.name} was changed since ecsctl wrote it; left alone`);
    outcome = 'kept';
  }
  await ctx.state.record({ validationRecord: undefined });
  return outcome;
}

/** Gone meanwhile ("Tried to delete resource record set … but it was not found") counts as deleted. */
async function deleteExactly(r53: Route53Client, zoneId: string, rs: ResourceRecordSet, what: string): Promise<void> {
  await change(r53, zoneId, [{ Action: 'DELETE', ResourceRecordSet: rs }], what, async () => undefined);
}

/** The load balancer an alias record should point at: its DNS name and canonical hosted zone. */
export interface AliasTarget {
  readonly dnsName: string;
  readonly canonicalHostedZoneId: string;
}

/** ALB DNS names come back lowercased, with a trailing dot, and the console adds "dualstack.". */
export function pointsAt(rs: ResourceRecordSet, target: { dnsName: string; canonicalHostedZoneId?: string }): boolean {
  const alias = rs.AliasTarget;
  if (!alias?.DNSName) return false;
  const dns = alias.DNSName.toLowerCase()
    .replace(/\.$/, '')
    .replace(/^dualstack\./, '');
  return (
    sameName(dns, target.dnsName) &&
    (target.canonicalHostedZoneId === undefined || alias.HostedZoneId === target.canonicalHostedZoneId)
  );
}

/** What stands at a name that the alias record may not replace: an A, AAAA or CNAME not aliasing this load balancer. */
export function conflictsAt(records: readonly ResourceRecordSet[], target: { dnsName: string }): ResourceRecordSet[] {
  return records.filter((r) => ['A', 'AAAA', 'CNAME'].includes(r.Type ?? '') && !pointsAt(r, target));
}

function describeRecord(r: ResourceRecordSet): string {
  const to = r.AliasTarget?.DNSName ?? r.ResourceRecords?.map((v) => v.Value).join(', ') ?? '';
  return `${r.Type} ${r.Name}${r.SetIdentifier ? ` (${r.SetIdentifier})` : ''} → ${to}`;
}

export function aliasConflict(name: string, zoneId: string, conflicts: readonly ResourceRecordSet[]): OperationError {
  return new OperationError(
    `${name} already has a record in hosted zone ${zoneId} that does not point at this load balancer: ${conflicts.map(describeRecord).join('; ')}; ecsctl will not overwrite it`,
    { hint: 'Choose another --domain, or remove that record yourself if it is yours to remove.' },
  );
}

/**
 * Makes sure `<fqdn>` is an alias A record for the load balancer. Free: recorded, then created
 * with CREATE (which, unlike UPSERT, fails if someone wrote the name meanwhile). Already aliasing
 * this load balancer: nothing to do. Anything else at the name: exit 1, the record untouched.
 */
export async function ensureAliasRecord(
  ctx: StepContext,
  o: { hostedZoneId: string; fqdn: string; target: AliasTarget },
): Promise<ConvergeOutcome> {
  const r53 = ctx.aws.route53;
  const records = await findRecords(r53, o.hostedZoneId, o.fqdn);
  const conflicts = conflictsAt(records, o.target);
  if (conflicts.length > 0) throw aliasConflict(o.fqdn, o.hostedZoneId, conflicts);
  if (records.some((r) => r.Type === 'A' && pointsAt(r, o.target))) return 'unchanged';
  await ctx.state.record({ aliasRecord: { hostedZoneId: o.hostedZoneId, name: o.fqdn, target: o.target.dnsName } });
  let outcome: ConvergeOutcome = 'created';
  const create: Change = {
    Action: 'CREATE',
    ResourceRecordSet: {
      Name: o.fqdn,
      Type: 'A',
      AliasTarget: {
        DNSName: o.target.dnsName,
        HostedZoneId: o.target.canonicalHostedZoneId,
        EvaluateTargetHealth: true,
      },
    },
  };
  await change(r53, o.hostedZoneId, [create], `create the alias record ${o.fqdn}`, async () => {
    // Someone wrote the name between our read and our write: theirs, unless it is our alias.
    const now = await findRecords(r53, o.hostedZoneId, o.fqdn);
    const others = conflictsAt(now, o.target);
    if (others.length === 0 && now.some((r) => r.Type === 'A' && pointsAt(r, o.target))) {
      outcome = 'unchanged';
      return;
    }
    await ctx.state.record({ aliasRecord: undefined });
    throw aliasConflict(o.fqdn, o.hostedZoneId, others);
  });
  return outcome;
}

/**
 * Deletes the alias record if ecsctl recorded writing it and it still points at the recorded load
 * balancer; a record changed since is the user's and stays.
 */
export async function deleteAliasRecord(ctx: StepContext): Promise<'deleted' | 'absent' | 'kept'> {
  const recorded = ctx.state.current.aliasRecord;
  if (!recorded) return 'absent';
  const records = await findRecords(ctx.aws.route53, recorded.hostedZoneId, recorded.name);
  const ours = records.find((r) => r.Type === 'A' && pointsAt(r, { dnsName: recorded.target }));
  let outcome: 'deleted' | 'absent' | 'kept' = 'absent';
  if (ours) {
    await deleteExactly(ctx.aws.route53, recorded.hostedZoneId, ours, `delete the alias record ${recorded.name}`);
    outcome = 'deleted';
  } else if (records.some((r) => r.Type === 'A')) {
    ctx.report.warn(`alias record ${recorded.name} no longer points at ${recorded.target}; left alone`);
    outcome = 'kept';
  }
  await ctx.state.record({ aliasRecord: undefined });
  return outcome;
}
