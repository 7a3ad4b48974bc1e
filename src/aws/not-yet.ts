/**
 * The "not yet" answers of a real account, for `retryOn` (retry-on.ts): each says which error
 * codes mean "this will work in a few seconds" for one cause, and how long to keep trying.
 */
import type { RetryOnOptions } from './retry-on.js';

const message = (e: unknown) => String((e as { message?: unknown } | undefined)?.message ?? '');

/**
 * A fresh account: ECS creates its service-linked role on first use, and until the role exists
 * CreateCluster/CreateService fail InvalidParameterException "Unable to assume the service linked
 * role. Please verify that the ECS service linked role exists." (terraform-provider-aws#15452).
 * InvalidParameterException has many causes, so the message decides.
 */
export const ECS_SERVICE_LINKED_ROLE: RetryOnOptions = {
  codes: ['InvalidParameterException'],
  when: (e) => /service linked role/i.test(message(e)),
  why: 'ECS service-linked role not usable yet (first use of ECS in this account)',
  budgetMs: 90_000,
};

/**
 * EC2 is eventually consistent: a security group used seconds after CreateSecurityGroup may be
 * answered InvalidGroup.NotFound (EC2) or InvalidSecurityGroup (ELBv2) for a while
 * (EC2 API reference, "Eventual consistency").
 */
export const NEW_SECURITY_GROUP: RetryOnOptions = {
  codes: ['InvalidGroup.NotFound', 'InvalidGroupId.NotFound', 'InvalidSecurityGroup', 'InvalidSecurityGroupException'],
  why: 'new security group not yet visible to EC2',
  budgetMs: 60_000,
};

/** The same for a just-launched instance named by ID: InvalidInstanceID.NotFound. */
export const NEW_INSTANCE: RetryOnOptions = {
  codes: ['InvalidInstanceID.NotFound'],
  why: 'instance not yet visible to EC2',
  budgetMs: 30_000,
};

/**
 * ELBv2 reads a just-issued ACM certificate through its own eventually consistent view: CreateListener
 * with it may be refused CertificateNotFound for some seconds (ELBv2 API reference, CreateListener errors).
 */
export const NEW_CERTIFICATE: RetryOnOptions = {
  codes: ['CertificateNotFoundException', 'CertificateNotFound'],
  why: 'certificate not yet visible to the load balancer',
  budgetMs: 60_000,
};
