/**
 * The HTTPS certificate (walkthrough of the ACM console: request → "Create records in Route 53" →
 * wait for "Issued"). Requested with DNS validation and the stack tag, recorded the moment
 * RequestCertificate returns; its IdempotencyToken makes a retried request (an answer lost on the
 * way) return the same certificate for an hour, and a rerun after a crash finds it by name and tag.
 * A certificate brought with --certificate-arn is only checked, never changed or deleted.
 */
import {
  DeleteCertificateCommand,
  DescribeCertificateCommand,
  ListTagsForCertificateCommand,
  RequestCertificateCommand,
  paginateListCertificates,
  type ACMClient,
  type CertificateDetail,
  type ResourceRecord,
} from '@aws-sdk/client-acm';
import { createHash } from 'node:crypto';
import { asOperationError, isAwsError } from '../../aws/errors.js';
import { assertOwned, hasStackTag, keyValueTags } from '../../aws/tags.js';
import { OperationError, WaitTimeoutError } from '../../errors.js';
import { formatElapsed, nextInterval, pollUntil, WAITS } from '../../util/poll.js';
import { clockOf, stackOf, type StepContext } from '../context.js';
import { sameName } from './domain-input.js';
import type { ConvergeOutcome, WaitOptions } from '../outcome.js';

const NOT_FOUND = ['ResourceNotFoundException', 'InvalidArnException'];
/** States a certificate never leaves for ISSUED: a rerun must not wait on them. */
const DEAD = new Set(['FAILED', 'VALIDATION_TIMED_OUT', 'REVOKED', 'EXPIRED', 'INACTIVE']);

export interface CertificateResult {
  readonly outcome: ConvergeOutcome;
  readonly arn: string;
  readonly status: string;
  readonly requested: boolean;
}

export async function describeCertificate(acm: ACMClient, arn: string): Promise<CertificateDetail | undefined> {
  try {
    return (await acm.send(new DescribeCertificateCommand({ CertificateArn: arn }))).Certificate;
  } catch (e) {
    if (isAwsError(e, ...NOT_FOUND)) return undefined;
    throw asOperationError(`describe certificate ${arn}`, e);
  }
}

async function certificateTags(acm: ACMClient, arn: string) {
  try {
    return (await acm.send(new ListTagsForCertificateCommand({ CertificateArn: arn }))).Tags ?? [];
  } catch (e) {
    if (isAwsError(e, ...NOT_FOUND)) return [];
    throw asOperationError(`read the tags of certificate ${arn}`, e);
  }
}

/** Stable per stack and name: ACM answers a repeated request with this token with the first certificate. */
export function idempotencyToken(stack: string, fqdn: string): string {
  return createHash('sha256').update(`ecsctl:${stack}:${fqdn}`).digest('hex').slice(0, 32);
}

/**
 * This stack's certificate for `fqdn`: the recorded one, else one carrying the stack tag found by
 * name among certificates pending validation or issued (a run killed before recording it).
 */
export async function findCertificate(ctx: StepContext, fqdn: string): Promise<CertificateDetail | undefined> {
  const acm = ctx.aws.acm;
  const recorded = ctx.state.current.certificate;
  if (recorded?.requested) {
    const c = await describeCertificate(acm, recorded.arn);
    if (c && sameName(c.DomainName, fqdn)) return c;
  }
  try {
    for await (const page of paginateListCertificates(
      { client: acm },
      { CertificateStatuses: ['ISSUED', 'PENDING_VALIDATION'] },
    )) {
      for (const s of page.CertificateSummaryList ?? []) {
        if (!sameName(s.DomainName, fqdn) || !s.CertificateArn) continue;
        if (hasStackTag(await certificateTags(acm, s.CertificateArn), stackOf(ctx)))
          return describeCertificate(acm, s.CertificateArn);
      }
    }
  } catch (e) {
    throw asOperationError('list certificates', e);
  }
  return undefined;
}

/** Requests (or finds) this stack's certificate for `fqdn` and records it. Does not wait. */
export async function ensureCertificate(ctx: StepContext, fqdn: string): Promise<CertificateResult> {
  const stack = stackOf(ctx);
  const found = await findCertificate(ctx, fqdn);
  if (found && !DEAD.has(found.Status ?? '')) {
    if (ctx.state.current.certificate?.arn !== found.CertificateArn)
      await ctx.state.record({ certificate: { arn: found.CertificateArn!, requested: true } });
    return { outcome: 'unchanged', arn: found.CertificateArn!, status: found.Status ?? 'unknown', requested: true };
  }
  if (found) {
    throw new OperationError(
      `certificate ${found.CertificateArn} for ${fqdn} is ${found.Status}${found.FailureReason ? ` (${found.FailureReason})` : ''}`,
      { hint: 'Run `ecsctl lb delete --yes` to remove it with the load balancer, fix the cause, and run again.' },
    );
  }
  let arn: string;
  try {
    const out = await ctx.aws.acm.send(
      new RequestCertificateCommand({
        DomainName: fqdn,
        ValidationMethod: 'DNS',
        IdempotencyToken: idempotencyToken(stack, fqdn),
        Tags: keyValueTags(stack),
      }),
    );
    arn = out.CertificateArn!;
  } catch (e) {
    throw asOperationError(`request a certificate for ${fqdn}`, e);
  }
  await ctx.state.record({ certificate: { arn, requested: true } });
  return { outcome: 'created', arn, status: 'PENDING_VALIDATION', requested: true };
}

/**
 * Checks a certificate brought with --certificate-arn: it exists, is ISSUED and covers `fqdn`
 * (by name or a wildcard one level up). Recorded as not requested, so nothing ever deletes it.
 */
export async function useCertificate(ctx: StepContext, arn: string, fqdn: string): Promise<CertificateResult> {
  const c = await describeCertificate(ctx.aws.acm, arn);
  if (!c) throw new OperationError(`certificate ${arn} does not exist in ${ctx.state.current.region}`);
  if (c.Status !== 'ISSUED') throw new OperationError(`certificate ${arn} is ${c.Status}, not ISSUED`);
  const names = [c.DomainName, ...(c.SubjectAlternativeNames ?? [])].filter((n): n is string => !!n);
  if (!names.some((n) => covers(n, fqdn)))
    throw new OperationError(`certificate ${arn} is for ${names.join(', ')}, which does not cover ${fqdn}`);
  const recorded = ctx.state.current.certificate;
  if (recorded?.arn !== arn || recorded.requested) await ctx.state.record({ certificate: { arn, requested: false } });
  return { outcome: 'unchanged', arn, status: 'ISSUED', requested: false };
}

export function covers(certName: string, fqdn: string): boolean {
  if (sameName(certName, fqdn)) return true;
  if (!certName.startsWith('*.')) return false;
  const rest = fqdn.toLowerCase().split('.').slice(1).join('.');
  return sameName(certName.slice(2), rest);
}

/** timeoutMs default 1_800_000 (ACM: DNS validation "can take up to 30 minutes"); schedule default WAITS.certificateIssued. */
export type CertificateWaitOptions = WaitOptions;

/**
 * The CNAME ACM wants in DNS. ACM fills DomainValidationOptions a few seconds after
 * RequestCertificate returns ("there is a delay of several seconds before you can retrieve
 * information about the new certificate"), so this polls until the record is named.
 */
export async function validationRecordOf(
  ctx: StepContext,
  arn: string,
  o: CertificateWaitOptions = {},
): Promise<ResourceRecord> {
  const c = await pollUntil({
    what: `ACM to name the validation record of certificate ${arn}`,
    ...clockOf(ctx),
    schedule: WAITS.certificateRecordNamed,
    timeoutMs: Math.min(o.timeoutMs ?? 120_000, 120_000),
    read: async () => describeCertificate(ctx.aws.acm, arn),
    done: (cert) => {
      if (!cert) throw new OperationError(`certificate ${arn} disappeared`);
      return cert.DomainValidationOptions?.[0]?.ResourceRecord?.Name !== undefined;
    },
  });
  return c!.DomainValidationOptions![0]!.ResourceRecord!;
}

/**
 * Polls until the certificate is ISSUED. A state it never leaves (FAILED, VALIDATION_TIMED_OUT, …)
 * exits 1 with ACM's reason; the timeout exits 4 naming the record ACM is waiting to see.
 */
export async function waitForCertificateIssued(
  ctx: StepContext,
  arn: string,
  record: ResourceRecord,
  o: CertificateWaitOptions = {},
): Promise<string> {
  const { timeoutMs = 1_800_000, schedule = WAITS.certificateIssued } = o;
  const what = `certificate ${arn} to be issued`;
  try {
    await ctx.report.step('certificate to be issued', (update) =>
      pollUntil({
        what,
        ...clockOf(ctx),
        schedule,
        timeoutMs,
        read: async () => describeCertificate(ctx.aws.acm, arn),
        onPoll: (c, elapsed) => update(`${c?.Status ?? 'gone'} (${formatElapsed(elapsed)})`),
        done: (c) => {
          if (!c) throw new OperationError(`certificate ${arn} disappeared while waiting for it to be issued`);
          if (DEAD.has(c.Status ?? ''))
            throw new OperationError(
              `certificate ${arn} is ${c.Status}${c.FailureReason ? `: ${c.FailureReason}` : ''}`,
              { hint: 'Run `ecsctl lb delete --yes` to remove it, fix the cause, and run again.' },
            );
          return c.Status === 'ISSUED';
        },
      }),
    );
  } catch (e) {
    if (!(e instanceof WaitTimeoutError)) throw e;
    throw new WaitTimeoutError(
      `${e.message}: ACM has not yet seen ${record.Type ?? 'CNAME'} ${record.Name} → ${record.Value}`,
      {
        hint: `Check that it resolves publicly (dig +short CNAME ${record.Name}) and that the registrar delegates the domain to this hosted zone's name servers; then run the same command again.`,
      },
    );
  }
  return 'ISSUED';
}

/**
 * Deletes the certificate ecsctl requested, retrying ResourceInUseException while a deleted
 * listener still holds it (ACM lets go some seconds later), up to `timeoutMs` (exit 4, naming what
 * still uses it). A brought certificate is forgotten, never deleted; one without the tag is refused.
 */
export async function deleteCertificate(
  ctx: StepContext,
  o: CertificateWaitOptions = {},
): Promise<'deleted' | 'absent' | 'kept'> {
  const recorded = ctx.state.current.certificate;
  if (!recorded) return 'absent';
  if (!recorded.requested) {
    await ctx.state.record({ certificate: undefined });
    return 'kept';
  }
  const acm = ctx.aws.acm;
  const cert = await describeCertificate(acm, recorded.arn);
  if (!cert) {
    await ctx.state.record({ certificate: undefined });
    return 'absent';
  }
  assertOwned('certificate', recorded.arn, await certificateTags(acm, recorded.arn), stackOf(ctx));
  const { timeoutMs = 600_000, schedule = WAITS.shortRetry } = o;
  const started = ctx.now();
  for (let attempt = 1; ; attempt++) {
    try {
      await acm.send(new DeleteCertificateCommand({ CertificateArn: recorded.arn }));
      break;
    } catch (e) {
      if (isAwsError(e, ...NOT_FOUND)) break;
      if (!isAwsError(e, 'ResourceInUseException')) throw asOperationError(`delete certificate ${recorded.arn}`, e);
      const elapsed = ctx.now() - started;
      if (elapsed >= timeoutMs) {
        const users = (await describeCertificate(acm, recorded.arn))?.InUseBy ?? [];
        throw new WaitTimeoutError(
          `certificate ${recorded.arn} is still in use after ${formatElapsed(elapsed)}${users.length ? `: by ${users.join(', ')}` : ''}`,
          { hint: 'A deleted listener can hold it for a while; run the same command again later.' },
        );
      }
      ctx.report.info(`certificate still in use (ResourceInUseException, attempt ${attempt}); retrying`);
      await ctx.sleep(
        Math.min(nextInterval(schedule, attempt - 1, 0, ctx.random ?? Math.random), Math.max(1, timeoutMs - elapsed)),
      );
    }
  }
  await ctx.state.record({ certificate: undefined });
  return 'deleted';
}
