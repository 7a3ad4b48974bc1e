import { beforeEach, describe, expect, it } from 'vitest';
import {
  DeleteCertificateCommand,
  DescribeCertificateCommand,
  ListCertificatesCommand,
  ListTagsForCertificateCommand,
  RequestCertificateCommand,
  type CertificateDetail,
} from '@aws-sdk/client-acm';
import {
  deleteCertificate,
  ensureCertificate,
  idempotencyToken,
  useCertificate,
  validationRecordOf,
  waitForCertificateIssued,
} from '../../../../src/steps/lb/certificate.js';
import { ForeignResourceError, OperationError, WaitTimeoutError } from '../../../../src/errors.js';
import { taskContext } from '../../../../src/orchestrate/task-context.js';
import { awsError, awsMock, resetAwsMocks, testContext } from '../../helpers/context.js';

const ARN = 'arn:aws:acm:us-east-1:123456789012:certificate/12345678-1234-1234-1234-123456789012';
const OTHER = 'arn:aws:acm:us-east-1:123456789012:certificate/aaaaaaaa-1234-1234-1234-123456789012';
const OURS = [{ Key: 'ecsctl:stack', Value: 'web' }];
const RECORD = { Name: '_abc.app.example.com.', Type: 'CNAME' as const, Value: '_def.acm-validations.aws.' };
const cert = (o: Partial<CertificateDetail> = {}): CertificateDetail => ({
  CertificateArn: ARN,
  DomainName: 'app.example.com',
  Status: 'PENDING_VALIDATION',
  DomainValidationOptions: [{ DomainName: 'app.example.com', ResourceRecord: RECORD }],
  ...o,
});

beforeEach(resetAwsMocks);

describe('ensureCertificate', () => {
  it('requests a DNS-validated, tagged certificate with a stable idempotency token and records it at once', async () => {
    awsMock.acm.on(ListCertificatesCommand).resolves({ CertificateSummaryList: [] });
    awsMock.acm.on(RequestCertificateCommand).resolves({ CertificateArn: ARN });
    const { ctx, state } = testContext();
    expect(await ensureCertificate(ctx, 'app.example.com')).toMatchObject({ outcome: 'created', arn: ARN });
    expect(awsMock.acm).toHaveReceivedCommandWith(RequestCertificateCommand, {
      DomainName: 'app.example.com',
      ValidationMethod: 'DNS',
      IdempotencyToken: idempotencyToken('web', 'app.example.com'),
      Tags: OURS,
    });
    expect(idempotencyToken('web', 'app.example.com')).toMatch(/^\w{32}$/);
    expect(state.current.certificate).toEqual({ arn: ARN, requested: true });
  });

  it("finds its own certificate by name and tag after a crash, but never adopts someone else's", async () => {
    awsMock.acm.on(ListCertificatesCommand).resolves({
      CertificateSummaryList: [
        { CertificateArn: OTHER, DomainName: 'app.example.com' },
        { CertificateArn: ARN, DomainName: 'app.example.com' },
      ],
    });
    awsMock.acm
      .on(ListTagsForCertificateCommand, { CertificateArn: OTHER })
      .resolves({ Tags: [] })
      .on(ListTagsForCertificateCommand, { CertificateArn: ARN })
      .resolves({ Tags: OURS });
    awsMock.acm
      .on(DescribeCertificateCommand, { CertificateArn: ARN })
      .resolves({ Certificate: cert({ Status: 'ISSUED' }) });
    const { ctx, state } = testContext();
    expect(await ensureCertificate(ctx, 'app.example.com')).toMatchObject({
      outcome: 'unchanged',
      arn: ARN,
      status: 'ISSUED',
    });
    expect(awsMock.acm).not.toHaveReceivedCommand(RequestCertificateCommand);
    expect(state.current.certificate).toEqual({ arn: ARN, requested: true });
  });

  it('stops on a recorded certificate that failed, with ACM reason', async () => {
    awsMock.acm
      .on(DescribeCertificateCommand)
      .resolves({ Certificate: cert({ Status: 'FAILED', FailureReason: 'CAA_ERROR' }) });
    awsMock.acm.on(ListCertificatesCommand).resolves({ CertificateSummaryList: [] });
    const { ctx } = testContext({ certificate: { arn: ARN, requested: true } });
    await expect(ensureCertificate(ctx, 'app.example.com')).rejects.toThrow(/is FAILED \(CAA_ERROR\)/);
    expect(awsMock.acm).not.toHaveReceivedCommand(RequestCertificateCommand);
  });
});

describe('useCertificate (--certificate-arn)', () => {
  it('accepts an ISSUED certificate covering the name (a wildcard too) and records it as brought', async () => {
    awsMock.acm.on(DescribeCertificateCommand).resolves({
      Certificate: cert({ Status: 'ISSUED', DomainName: 'example.com', SubjectAlternativeNames: ['*.example.com'] }),
    });
    const { ctx, state } = testContext();
    await useCertificate(ctx, ARN, 'app.example.com');
    expect(state.current.certificate).toEqual({ arn: ARN, requested: false });
  });

  it('refuses one that is not issued or does not cover the name', async () => {
    awsMock.acm.on(DescribeCertificateCommand).resolves({ Certificate: cert() });
    await expect(useCertificate(testContext().ctx, ARN, 'app.example.com')).rejects.toThrow(
      'is PENDING_VALIDATION, not ISSUED',
    );
    awsMock.acm
      .on(DescribeCertificateCommand)
      .resolves({ Certificate: cert({ Status: 'ISSUED', DomainName: 'www.example.com' }) });
    await expect(useCertificate(testContext().ctx, ARN, 'app.example.com')).rejects.toThrow(
      'is for www.example.com, which does not cover app.example.com',
    );
  });
});

describe('waiting', () => {
  it('polls until ACM names the validation record (it takes a few seconds on AWS)', async () => {
    awsMock.acm
      .on(DescribeCertificateCommand)
      .resolvesOnce({ Certificate: cert({ DomainValidationOptions: [{ DomainName: 'app.example.com' }] }) })
      .resolves({ Certificate: cert() });
    const { ctx, sleeps } = testContext();
    expect(await validationRecordOf(ctx, ARN)).toEqual(RECORD);
    // The adaptive schedule (WAITS.certificateRecordNamed): a second look after 0.25 s, not 2 s.
    expect(sleeps).toEqual([250]);
  });

  it('waits for ISSUED; a failure ends with ACM reason, a timeout names the CNAME to check', async () => {
    awsMock.acm
      .on(DescribeCertificateCommand)
      .resolvesOnce({ Certificate: cert() })
      .resolves({ Certificate: cert({ Status: 'ISSUED' }) });
    expect(await waitForCertificateIssued(testContext().ctx, ARN, RECORD)).toBe('ISSUED');

    awsMock.acm.on(DescribeCertificateCommand).resolves({
      Certificate: cert({ Status: 'VALIDATION_TIMED_OUT', FailureReason: 'NO_AVAILABLE_CONTACTS' }),
    });
    const failed = waitForCertificateIssued(testContext().ctx, ARN, RECORD);
    await expect(failed).rejects.toBeInstanceOf(OperationError);
    await expect(waitForCertificateIssued(testContext().ctx, ARN, RECORD)).rejects.toThrow(
      /is VALIDATION_TIMED_OUT: NO_AVAILABLE_CONTACTS/,
    );

    awsMock.acm.on(DescribeCertificateCommand).resolves({ Certificate: cert() });
    const e = await waitForCertificateIssued(testContext().ctx, ARN, RECORD, { timeoutMs: 20_000 }).catch(
      (x: unknown) => x,
    );
    expect(e).toBeInstanceOf(WaitTimeoutError);
    expect((e as Error).message).toMatch(
      /timed out after 20s waiting for certificate .* to be issued: ACM has not yet seen CNAME _abc\.app\.example\.com\. → _def\.acm-validations\.aws\./,
    );
    expect((e as WaitTimeoutError).hint).toMatch(/dig \+short CNAME _abc\.app\.example\.com\./);
  });
});

describe('stopping', () => {
  it('ends the wait for ISSUED at once when the task is stopped (another task failed, or Ctrl-C)', async () => {
    awsMock.acm.on(DescribeCertificateCommand).resolves({ Certificate: cert() });
    const stop = new AbortController();
    const { ctx } = testContext(
      {},
      {
        // The runner's sleep: rejects with the reason as soon as the signal it is given aborts.
        sleep: (_ms, signal) => (signal?.aborted ? Promise.reject(signal.reason as Error) : Promise.resolve()),
      },
    );
    const inTask = taskContext(ctx, () => stop.abort(new Error('stopped: listener failed')), stop.signal);
    await expect(waitForCertificateIssued(inTask, ARN, RECORD)).rejects.toThrow('stopped: listener failed');
    expect(awsMock.acm).toHaveReceivedCommandTimes(DescribeCertificateCommand, 1);
  });
});

describe('deleteCertificate', () => {
  it('retries ResourceInUseException while a deleted listener lets go, then deletes', async () => {
    awsMock.acm.on(DescribeCertificateCommand).resolves({ Certificate: cert({ Status: 'ISSUED' }) });
    awsMock.acm.on(ListTagsForCertificateCommand).resolves({ Tags: OURS });
    awsMock.acm
      .on(DeleteCertificateCommand)
      .rejectsOnce(awsError('ResourceInUseException'))
      .rejectsOnce(awsError('ResourceInUseException'))
      .resolves({});
    const { ctx, state, sleeps } = testContext({ certificate: { arn: ARN, requested: true } });
    expect(await deleteCertificate(ctx)).toBe('deleted');
    expect(awsMock.acm).toHaveReceivedCommandTimes(DeleteCertificateCommand, 3);
    // WAITS.shortRetry: 0.25 s, then 0.5 s (ACM lets go within seconds of the listener's deletion).
    expect(sleeps).toEqual([250, 500]);
    expect(state.current.certificate).toBeUndefined();
  });

  it('gives up after the timeout naming what still uses it', async () => {
    awsMock.acm
      .on(DescribeCertificateCommand)
      .resolves({ Certificate: cert({ InUseBy: ['arn:aws:elasticloadbalancing:…:loadbalancer/app/web-lb/1'] }) });
    awsMock.acm.on(ListTagsForCertificateCommand).resolves({ Tags: OURS });
    awsMock.acm.on(DeleteCertificateCommand).rejects(awsError('ResourceInUseException'));
    const { ctx, state } = testContext({ certificate: { arn: ARN, requested: true } });
    await expect(deleteCertificate(ctx, { timeoutMs: 15_000 })).rejects.toThrow(
      /is still in use after 15s: by .*web-lb/,
    );
    expect(state.current.certificate).toEqual({ arn: ARN, requested: true });
  });

  it('never deletes a brought certificate or one without the stack tag', async () => {
    const brought = testContext({ certificate: { arn: ARN, requested: false } });
    expect(await deleteCertificate(brought.ctx)).toBe('kept');
    expect(brought.state.current.certificate).toBeUndefined();
    expect(awsMock.acm).not.toHaveReceivedAnyCommand();

    awsMock.acm.on(DescribeCertificateCommand).resolves({ Certificate: cert() });
    awsMock.acm.on(ListTagsForCertificateCommand).resolves({ Tags: [] });
    await expect(
      deleteCertificate(testContext({ certificate: { arn: ARN, requested: true } }).ctx),
    ).rejects.toBeInstanceOf(ForeignResourceError);
    expect(awsMock.acm).not.toHaveReceivedCommand(DeleteCertificateCommand);
  });
});
