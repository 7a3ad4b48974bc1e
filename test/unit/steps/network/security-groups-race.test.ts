/**
 * CreateSecurityGroup whose answer was lost after EC2 acted (a 5xx; the SDK retries and gets
 * InvalidGroup.Duplicate): the group found by name is taken only if it carries the stack's tag.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import {
  AuthorizeSecurityGroupIngressCommand,
  CreateSecurityGroupCommand,
  DescribeSecurityGroupsCommand,
} from '@aws-sdk/client-ec2';
import { ensureLbSecurityGroup } from '../../../../src/steps/network/security-groups.js';
import { ForeignResourceError, OperationError } from '../../../../src/errors.js';
import { awsError, awsMock, resetAwsMocks, testContext } from '../../helpers/context.js';

const VPC = 'vpc-0123456789abcdef0';
const SG = 'sg-0123456789abcdef0';
const NETWORK = { network: { vpcId: VPC, subnets: [{ id: 'subnet-0000000000000000a', az: 'us-east-1a' }] } };
const RULE = [{ IpProtocol: 'tcp', FromPort: 80, ToPort: 80, IpRanges: [{ CidrIp: '0.0.0.0/0' }] }];

beforeEach(() => resetAwsMocks());

describe('ensureLbSecurityGroup when the create raced its own retry', () => {
  it('takes the group it created (tagged), records it and makes no second create', async () => {
    awsMock.ec2.on(DescribeSecurityGroupsCommand).resolves({
      SecurityGroups: [
        { GroupId: SG, GroupName: 'web-lb-sg', Tags: [{ Key: 'ecsctl:stack', Value: 'web' }], IpPermissions: RULE },
      ],
    });
    awsMock.ec2.on(CreateSecurityGroupCommand).rejects(awsError('InvalidGroup.Duplicate'));
    const { ctx, state } = testContext(NETWORK);
    const group = await ensureLbSecurityGroup(ctx, { listenerPort: 80, ingressCidr: '0.0.0.0/0' });
    expect(group).toEqual({ id: SG, name: 'web-lb-sg' });
    expect(state.current.lbSecurityGroup).toEqual({ id: SG, name: 'web-lb-sg' });
    expect(awsMock.ec2).toHaveReceivedCommandTimes(CreateSecurityGroupCommand, 1);
    expect(awsMock.ec2).not.toHaveReceivedCommand(AuthorizeSecurityGroupIngressCommand); // the rule is already there
  });

  it('refuses a same-named group without the tag (someone else made it meanwhile) and records nothing', async () => {
    awsMock.ec2
      .on(DescribeSecurityGroupsCommand)
      .resolves({ SecurityGroups: [{ GroupId: SG, GroupName: 'web-lb-sg', Tags: [], IpPermissions: [] }] });
    awsMock.ec2.on(CreateSecurityGroupCommand).rejects(awsError('InvalidGroup.Duplicate'));
    const { ctx, state } = testContext(NETWORK);
    await expect(ensureLbSecurityGroup(ctx, { listenerPort: 80, ingressCidr: '0.0.0.0/0' })).rejects.toBeInstanceOf(
      ForeignResourceError,
    );
    expect(state.current.lbSecurityGroup).toBeUndefined();
  });

  it('any other create error stays an operation error', async () => {
    awsMock.ec2.on(DescribeSecurityGroupsCommand).resolves({ SecurityGroups: [] });
    awsMock.ec2.on(CreateSecurityGroupCommand).rejects(awsError('InvalidVpcID.NotFound'));
    const { ctx } = testContext(NETWORK);
    await expect(ensureLbSecurityGroup(ctx, { listenerPort: 80, ingressCidr: '0.0.0.0/0' })).rejects.toBeInstanceOf(
      OperationError,
    );
  });
});

describe('ensureLbSecurityGroup on a first run and a rerun', () => {
  it('creates at once when nothing is recorded: no describe before the create', async () => {
    awsMock.ec2.on(CreateSecurityGroupCommand).resolves({ GroupId: SG });
    awsMock.ec2.on(AuthorizeSecurityGroupIngressCommand).resolves({});
    const { ctx, state } = testContext(NETWORK);
    await ensureLbSecurityGroup(ctx, { listenerPort: 80, ingressCidr: '0.0.0.0/0' });
    expect(awsMock.ec2).not.toHaveReceivedCommand(DescribeSecurityGroupsCommand);
    expect(awsMock.ec2).toHaveReceivedCommandWith(AuthorizeSecurityGroupIngressCommand, { GroupId: SG });
    expect(state.current.lbSecurityGroup).toEqual({ id: SG, name: 'web-lb-sg' });
  });

  it('reads the recorded group and creates nothing when it is there with its rule', async () => {
    awsMock.ec2.on(DescribeSecurityGroupsCommand, { GroupIds: [SG] }).resolves({
      SecurityGroups: [
        { GroupId: SG, GroupName: 'web-lb-sg', Tags: [{ Key: 'ecsctl:stack', Value: 'web' }], IpPermissions: RULE },
      ],
    });
    const { ctx } = testContext({ ...NETWORK, lbSecurityGroup: { id: SG, name: 'web-lb-sg' } });
    await ensureLbSecurityGroup(ctx, { listenerPort: 80, ingressCidr: '0.0.0.0/0' });
    expect(awsMock.ec2).not.toHaveReceivedCommand(CreateSecurityGroupCommand);
    expect(awsMock.ec2).not.toHaveReceivedCommand(AuthorizeSecurityGroupIngressCommand);
  });
});
