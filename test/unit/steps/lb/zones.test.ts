import { beforeEach, describe, expect, it } from 'vitest';
import { withoutRefusedZones, zonesRefused } from '../../../../src/steps/lb/zones.js';
import { OperationError } from '../../../../src/errors.js';
import { awsError, resetAwsMocks, testContext } from '../../helpers/context.js';

const REFUSED = (zone: string) =>
  awsError(
    'ValidationError',
    `The following Availability Zones ${zone} cannot be associated with a load balancer. Please try a different Availability Zone.`,
  );
const network = {
  vpcId: 'vpc-1',
  subnets: [
    { id: 'subnet-a', az: 'us-east-1a' },
    { id: 'subnet-b', az: 'us-east-1b' },
    { id: 'subnet-e', az: 'us-east-1e' },
  ],
};

beforeEach(resetAwsMocks);

describe('zones a load balancer cannot use', () => {
  it('are read from ValidationError only when its message says so', () => {
    expect(zonesRefused(REFUSED('us-west-1a'))).toEqual(['us-west-1a']);
    expect(
      zonesRefused(
        awsError('ValidationError', 'At least two subnets in two different Availability Zones must be specified'),
      ),
    ).toBeUndefined();
    expect(
      zonesRefused(awsError('AccessDenied', 'Availability Zones us-east-1e cannot be associated')),
    ).toBeUndefined();
  });

  it('are dropped (two zones left), remembered in the state, and said', async () => {
    const { ctx, report } = testContext({ network });
    const seen: string[][] = [];
    const out = await withoutRefusedZones(ctx, ['subnet-a', 'subnet-b', 'subnet-e'], async (ids) => {
      seen.push(ids);
      if (ids.includes('subnet-e')) throw REFUSED('us-east-1e');
      return 'created';
    });
    expect(out).toBe('created');
    expect(seen).toEqual([
      ['subnet-a', 'subnet-b', 'subnet-e'],
      ['subnet-a', 'subnet-b'],
    ]);
    expect(ctx.state.current.network?.lbExcludedZones).toEqual(['us-east-1e']);
    expect(report.lines.some((l) => /warn: availability zone us-east-1e cannot be associated/.test(l))).toBe(true);
  });

  it('fail with a hint when fewer than two zones would be left', async () => {
    const { ctx } = testContext({ network });
    await expect(
      withoutRefusedZones(ctx, ['subnet-a', 'subnet-e'], async () => {
        throw REFUSED('us-east-1e');
      }),
    ).rejects.toThrow(OperationError);
  });
});
