/**
 * The vCPU quota line of `doctor`: Service Quotas' value for standard On-Demand instances minus
 * what the region's running instances already use, against what up would launch.
 */
import { paginateDescribeInstances } from '@aws-sdk/client-ec2';
import { GetServiceQuotaCommand } from '@aws-sdk/client-service-quotas';
import type { Clients } from '../../aws/clients.js';
import { fail, ok, warn, why, type Check, type InstanceTypeFacts } from './checks.js';

/** Running On-Demand Standard (A, C, D, H, I, M, R, T, Z) instances, counted in vCPUs. */
export const STANDARD_VCPU_QUOTA = 'L-1216C47A';
const STANDARD_FAMILY = /^[acdhimrtz]/;

/**
 * Headroom = the quota minus the vCPUs of the region's pending and running standard instances;
 * up needs count × the type's vCPUs of it.
 */
export async function checkVcpuQuota(
  aws: Clients,
  type: string,
  count: number,
  facts: InstanceTypeFacts | undefined,
): Promise<Check> {
  const title = 'vCPU quota';
  if (!STANDARD_FAMILY.test(type))
    return warn('vcpu-quota', title, `${type} is not a standard family; its quota is not checked`);
  if (!facts) return warn('vcpu-quota', title, 'not checked: the instance type is unknown');
  const need = count * facts.vcpus;
  let quota: number | undefined;
  try {
    const r = await aws.quotas.send(new GetServiceQuotaCommand({ ServiceCode: 'ec2', QuotaCode: STANDARD_VCPU_QUOTA }));
    quota = r.Quota?.Value;
  } catch (e) {
    return warn(
      'vcpu-quota',
      title,
      `cannot read quota ${STANDARD_VCPU_QUOTA} (${why(e)}); up needs ${need} vCPU`,
      'Check "Running On-Demand Standard instances" in the Service Quotas console.',
    );
  }
  if (quota === undefined)
    return warn('vcpu-quota', title, `quota ${STANDARD_VCPU_QUOTA} has no value; up needs ${need} vCPU`);
  let used = 0;
  for await (const page of paginateDescribeInstances(
    { client: aws.ec2 },
    { Filters: [{ Name: 'instance-state-name', Values: ['pending', 'running'] }] },
  )) {
    for (const i of (page.Reservations ?? []).flatMap((r) => r.Instances ?? [])) {
      if (!STANDARD_FAMILY.test(i.InstanceType ?? '')) continue;
      used += (i.CpuOptions?.CoreCount ?? 1) * (i.CpuOptions?.ThreadsPerCore ?? 1);
    }
  }
  const headroom = quota - used;
  const detail = `${count} × ${type} need ${need} of ${headroom} vCPU left (quota ${quota}, ${used} in use)`;
  if (need <= headroom) return ok('vcpu-quota', title, detail);
  return fail(
    'vcpu-quota',
    title,
    detail,
    `Request more in Service Quotas (ec2 ${STANDARD_VCPU_QUOTA}), or use fewer or smaller instances (--instance-count, --instance-type).`,
  );
}
