import { beforeEach, describe, expect, it } from 'vitest';
import {
  ChangeResourceRecordSetsCommand,
  GetHostedZoneCommand,
  ListHostedZonesByNameCommand,
  ListResourceRecordSetsCommand,
  type HostedZone,
  type ResourceRecordSet,
} from '@aws-sdk/client-route-53';
import {
  deleteAliasRecord,
  deleteValidationRecord,
  ensureAliasRecord,
  ensureValidationRecord,
  findHostedZone,
} from '../../../../src/steps/lb/dns.js';
import { isInvalidChangeBatch } from '../../../../src/steps/lb/route53-errors.js';
import { OperationError, UsageError } from '../../../../src/errors.js';
import { awsError, awsMock, resetAwsMocks, testContext } from '../../helpers/context.js';

const zone = (id: string, name: string, priv = false): HostedZone => ({
  Id: `/hostedzone/${id}`,
  Name: `${name}.`,
  CallerReference: id,
  Config: { PrivateZone: priv },
});
const TARGET = { dnsName: 'web-lb-1.us-east-1.elb.amazonaws.com', canonicalHostedZoneId: 'Z35SXDOTRQ7X7K' };
const ALIAS: ResourceRecordSet = {
  Name: 'app.example.com.',
  Type: 'A',
  AliasTarget: {
    DNSName: 'dualstack.web-lb-1.us-east-1.elb.amazonaws.com.',
    HostedZoneId: 'Z35SXDOTRQ7X7K',
    EvaluateTargetHealth: true,
  },
};
/** What JS SDK v3 makes of Route 53's <InvalidChangeBatch> body: no code found, so "Unknown", with the Messages kept. */
const unknownInvalidChangeBatch = () =>
  Object.assign(new Error('UnknownError'), {
    name: 'Unknown',
    $metadata: { httpStatusCode: 400 },
    Messages: {
      Message: "Tried to create resource record set [name='app.example.com.', type='A'] but it already exists",
    },
  });

beforeEach(resetAwsMocks);

describe('findHostedZone', () => {
  it('takes the public zone with the longest matching name, ignoring private ones and other names', async () => {
    awsMock.route53
      .on(ListHostedZonesByNameCommand, { DNSName: 'a.b.example.com' })
      .resolves({ HostedZones: [zone('ZOTHER', 'a.c.example.com')] })
      .on(ListHostedZonesByNameCommand, { DNSName: 'b.example.com' })
      .resolves({ HostedZones: [zone('ZPRIVATE', 'b.example.com', true), zone('ZB', 'b.example.com')] })
      .on(ListHostedZonesByNameCommand, { DNSName: 'example.com' })
      .resolves({ HostedZones: [zone('ZROOT', 'example.com')] });
    const { ctx } = testContext();
    expect(await findHostedZone(ctx.aws.route53, 'a.b.example.com')).toEqual({ id: 'ZB', name: 'b.example.com' });
    expect(awsMock.route53).not.toHaveReceivedCommandWith(ListHostedZonesByNameCommand, { DNSName: 'example.com' });
  });

  it('exits 2 listing equally long candidates, and when there is none', async () => {
    awsMock.route53
      .on(ListHostedZonesByNameCommand, { DNSName: 'app.example.com' })
      .resolves({ HostedZones: [] })
      .on(ListHostedZonesByNameCommand, { DNSName: 'example.com' })
      .resolves({ HostedZones: [zone('Z1', 'example.com'), zone('Z2', 'example.com')] });
    const { ctx } = testContext();
    const twins = findHostedZone(ctx.aws.route53, 'app.example.com');
    await expect(twins).rejects.toBeInstanceOf(UsageError);
    await expect(findHostedZone(ctx.aws.route53, 'app.example.com')).rejects.toThrow(
      '2 public hosted zones are named example.com: Z1, Z2',
    );
    awsMock.route53.on(ListHostedZonesByNameCommand).resolves({ HostedZones: [] });
    await expect(findHostedZone(ctx.aws.route53, 'app.example.com')).rejects.toThrow(
      'no public Route 53 hosted zone in this account contains app.example.com',
    );
  });

  it('checks a given zone: it exists, is public and contains the name', async () => {
    const { ctx } = testContext();
    awsMock.route53.on(GetHostedZoneCommand).resolves({ HostedZone: zone('ZP', 'example.com', true) });
    await expect(findHostedZone(ctx.aws.route53, 'app.example.com', 'ZP')).rejects.toThrow(/is a private zone/);
    awsMock.route53.on(GetHostedZoneCommand).resolves({ HostedZone: zone('ZO', 'example.org') });
    await expect(findHostedZone(ctx.aws.route53, 'app.example.com', 'ZO')).rejects.toThrow(
      'is example.org, which does not contain app.example.com',
    );
    awsMock.route53.on(GetHostedZoneCommand).rejects(awsError('NoSuchHostedZone'));
    await expect(findHostedZone(ctx.aws.route53, 'app.example.com', 'ZX')).rejects.toThrow(/no such hosted zone/);
    expect(awsMock.route53).not.toHaveReceivedCommand(ListHostedZonesByNameCommand);
  });
});

describe('ensureAliasRecord', () => {
  it('records its intent, then CREATEs the alias when the name is free', async () => {
    awsMock.route53.on(ListResourceRecordSetsCommand).resolves({ ResourceRecordSets: [] });
    const { ctx, state } = testContext();
    let recordedFirst = false;
    awsMock.route53.on(ChangeResourceRecordSetsCommand).callsFake(() => {
      recordedFirst = state.current.aliasRecord !== undefined;
      return { ChangeInfo: { Id: 'c', Status: 'PENDING', SubmittedAt: new Date() } };
    });
    expect(await ensureAliasRecord(ctx, { hostedZoneId: 'Z1', fqdn: 'app.example.com', target: TARGET })).toBe(
      'created',
    );
    expect(recordedFirst).toBe(true);
    expect(awsMock.route53).toHaveReceivedCommandWith(ChangeResourceRecordSetsCommand, {
      HostedZoneId: 'Z1',
      ChangeBatch: {
        Comment: 'ecsctl',
        Changes: [
          {
            Action: 'CREATE',
            ResourceRecordSet: {
              Name: 'app.example.com',
              Type: 'A',
              AliasTarget: {
                DNSName: TARGET.dnsName,
                HostedZoneId: TARGET.canonicalHostedZoneId,
                EvaluateTargetHealth: true,
              },
            },
          },
        ],
      },
    });
    expect(state.current.aliasRecord).toEqual({ hostedZoneId: 'Z1', name: 'app.example.com', target: TARGET.dnsName });
  });

  it('changes nothing when the name already aliases this load balancer (dualstack., trailing dot)', async () => {
    awsMock.route53.on(ListResourceRecordSetsCommand).resolves({ ResourceRecordSets: [ALIAS] });
    const { ctx, state } = testContext();
    expect(await ensureAliasRecord(ctx, { hostedZoneId: 'Z1', fqdn: 'app.example.com', target: TARGET })).toBe(
      'unchanged',
    );
    expect(awsMock.route53).not.toHaveReceivedCommand(ChangeResourceRecordSetsCommand);
    expect(state.current.aliasRecord).toBeUndefined(); // not written by ecsctl, so never deleted by it
  });

  it.each<[string, ResourceRecordSet]>([
    ['an A record', { Name: 'app.example.com.', Type: 'A', TTL: 60, ResourceRecords: [{ Value: '192.0.2.1' }] }],
    [
      'a CNAME',
      { Name: 'app.example.com.', Type: 'CNAME', TTL: 60, ResourceRecords: [{ Value: 'other.example.net' }] },
    ],
    [
      'an alias to another ALB',
      { ...ALIAS, AliasTarget: { ...ALIAS.AliasTarget!, DNSName: 'other-lb-2.elb.amazonaws.com.' } },
    ],
  ])('refuses the name when %s is there, without writing', async (_, existing) => {
    awsMock.route53.on(ListResourceRecordSetsCommand).resolves({ ResourceRecordSets: [existing] });
    const { ctx, state } = testContext();
    const r = ensureAliasRecord(ctx, { hostedZoneId: 'Z1', fqdn: 'app.example.com', target: TARGET });
    await expect(r).rejects.toBeInstanceOf(OperationError);
    await expect(r).rejects.toThrow(/already has a record in hosted zone Z1 that does not point at this load balancer/);
    expect(awsMock.route53).not.toHaveReceivedCommand(ChangeResourceRecordSetsCommand);
    expect(state.current.aliasRecord).toBeUndefined();
  });

  it("recognizes Route 53's InvalidChangeBatch body (SDK name Unknown) when someone wrote the name meanwhile", async () => {
    const theirs: ResourceRecordSet = {
      Name: 'app.example.com.',
      Type: 'A',
      TTL: 60,
      ResourceRecords: [{ Value: '192.0.2.9' }],
    };
    awsMock.route53
      .on(ListResourceRecordSetsCommand)
      .resolvesOnce({ ResourceRecordSets: [] })
      .resolves({ ResourceRecordSets: [theirs] })
      .on(ChangeResourceRecordSetsCommand)
      .rejects(unknownInvalidChangeBatch());
    const { ctx, state } = testContext();
    await expect(
      ensureAliasRecord(ctx, { hostedZoneId: 'Z1', fqdn: 'app.example.com', target: TARGET }),
    ).rejects.toThrow(/A app\.example\.com\. → 192\.0\.2\.9/);
    expect(state.current.aliasRecord).toBeUndefined();
    expect(isInvalidChangeBatch(unknownInvalidChangeBatch())).toBe(true);
    expect(isInvalidChangeBatch(awsError('InvalidChangeBatch'))).toBe(true);
    expect(isInvalidChangeBatch(awsError('Throttling'))).toBe(false);
  });
});

describe('the validation record', () => {
  const input = { hostedZoneId: 'Z1', name: '_abc.app.example.com.', value: '_def.acm-validations.aws.' };
  const cname = (value: string): ResourceRecordSet => ({
    Name: input.name,
    Type: 'CNAME',
    TTL: 300,
    ResourceRecords: [{ Value: value }],
  });

  it('is UPSERTed and recorded when missing, left alone (and unrecorded) when ACM already finds it', async () => {
    awsMock.route53.on(ListResourceRecordSetsCommand).resolves({ ResourceRecordSets: [] });
    awsMock.route53.on(ChangeResourceRecordSetsCommand).resolves({});
    const { ctx, state } = testContext();
    expect(await ensureValidationRecord(ctx, input)).toBe('created');
    expect(state.current.validationRecord).toEqual(input);
    expect(awsMock.route53).toHaveReceivedCommandWith(ChangeResourceRecordSetsCommand, {
      ChangeBatch: { Comment: 'ecsctl', Changes: [{ Action: 'UPSERT', ResourceRecordSet: cname(input.value) }] },
    });

    resetAwsMocks();
    awsMock.route53.on(ListResourceRecordSetsCommand).resolves({ ResourceRecordSets: [cname(input.value)] });
    const other = testContext();
    expect(await ensureValidationRecord(other.ctx, input)).toBe('unchanged');
    expect(other.state.current.validationRecord).toBeUndefined();
    expect(awsMock.route53).not.toHaveReceivedCommand(ChangeResourceRecordSetsCommand);
  });

  it('refuses to overwrite a CNAME of that name with another value', async () => {
    awsMock.route53.on(ListResourceRecordSetsCommand).resolves({ ResourceRecordSets: [cname('_other.example.')] });
    const { ctx } = testContext();
    await expect(ensureValidationRecord(ctx, input)).rejects.toThrow(/with another value \(_other\.example\.\)/);
    expect(awsMock.route53).not.toHaveReceivedCommand(ChangeResourceRecordSetsCommand);
  });

  it('is deleted with the exact values read back, only when recorded and unchanged', async () => {
    awsMock.route53.on(ListResourceRecordSetsCommand).resolves({ ResourceRecordSets: [cname(input.value)] });
    awsMock.route53.on(ChangeResourceRecordSetsCommand).resolves({});
    expect(await deleteValidationRecord(testContext().ctx)).toBe('absent');
    expect(awsMock.route53).not.toHaveReceivedAnyCommand();

    const { ctx, state } = testContext({ validationRecord: input });
    expect(await deleteValidationRecord(ctx)).toBe('deleted');
    expect(awsMock.route53).toHaveReceivedCommandWith(ChangeResourceRecordSetsCommand, {
      ChangeBatch: { Comment: 'ecsctl', Changes: [{ Action: 'DELETE', ResourceRecordSet: cname(input.value) }] },
    });
    expect(state.current.validationRecord).toBeUndefined();

    resetAwsMocks();
    awsMock.route53.on(ListResourceRecordSetsCommand).resolves({ ResourceRecordSets: [cname('_changed.')] });
    const changed = testContext({ validationRecord: input });
    expect(await deleteValidationRecord(changed.ctx)).toBe('kept');
    expect(awsMock.route53).not.toHaveReceivedCommand(ChangeResourceRecordSetsCommand);
    expect(changed.report.lines).toContainEqual(
      expect.stringMatching(/^warn: .*was changed since ecsctl wrote it; left alone/),
    );
  });
});

describe('deleteAliasRecord', () => {
  it('deletes the recorded alias while it points at the recorded load balancer, else leaves it', async () => {
    const recorded = { hostedZoneId: 'Z1', name: 'app.example.com', target: TARGET.dnsName };
    awsMock.route53.on(ListResourceRecordSetsCommand).resolves({ ResourceRecordSets: [ALIAS] });
    awsMock.route53.on(ChangeResourceRecordSetsCommand).resolves({});
    const { ctx, state } = testContext({ aliasRecord: recorded });
    expect(await deleteAliasRecord(ctx)).toBe('deleted');
    expect(awsMock.route53).toHaveReceivedCommandWith(ChangeResourceRecordSetsCommand, {
      ChangeBatch: { Comment: 'ecsctl', Changes: [{ Action: 'DELETE', ResourceRecordSet: ALIAS }] },
    });
    expect(state.current.aliasRecord).toBeUndefined();

    resetAwsMocks();
    const repointed = { ...ALIAS, AliasTarget: { ...ALIAS.AliasTarget!, DNSName: 'new-lb.elb.amazonaws.com.' } };
    awsMock.route53.on(ListResourceRecordSetsCommand).resolves({ ResourceRecordSets: [repointed] });
    const other = testContext({ aliasRecord: recorded });
    expect(await deleteAliasRecord(other.ctx)).toBe('kept');
    expect(awsMock.route53).not.toHaveReceivedCommand(ChangeResourceRecordSetsCommand);
  });
});
