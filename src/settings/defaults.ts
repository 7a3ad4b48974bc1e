/**
 * Every default of every setting, with why each was chosen. Kept free of imports so that `--help`
 * can show them without loading the AWS SDK.
 */

/**
 * How long one wait (a rollout, instances registering, a service draining) may take before exit 4.
 * A first rollout on fresh instances takes 3-6 minutes on real AWS; 15 leaves room for slow pulls.
 */
export const WAIT_TIMEOUT_MS = 15 * 60_000;

/** --domain: ACM's DNS validation "can take up to 30 minutes" once the record resolves. */
export const CERTIFICATE_TIMEOUT_MS = 30 * 60_000;

/** `up`: the walkthrough's stack. */
export const UP_DEFAULTS = {
  context: '.',
  dockerfile: 'Dockerfile',
  instanceCount: 2,
  instanceType: 't3.small',
  desiredCount: 10,
  containerPort: 8080,
  listenerPort: 80,
  healthCheckPath: '/',
  memory: 128,
  cpu: 0,
  wait: true,
  waitTimeoutMs: WAIT_TIMEOUT_MS,
  logs: true,
  logRetentionDays: 7,
  /** Managed scaling keeps the instances full: no idle instance paid for (asg mode). */
  targetCapacity: 100,
} as const;

/** The defaults of `lb create` and `lb probe`. */
export const LB_DEFAULTS = {
  /** The walkthrough's listener: HTTP on 80. */
  listenerPort: 80,
  /** The walkthrough's container port; the recorded task definition's port wins when there is one. */
  containerPort: 8080,
  healthCheckPath: '/',
  /** AWS's minimum. With the default 30 s a new target waits up to 30 s for its first check. */
  healthCheckIntervalSeconds: 5,
  /** Must be below the interval; 4 s leaves slow first responses room (AWS default: 5 s with a 30 s interval). */
  healthCheckTimeoutSeconds: 4,
  /** AWS's minimum: a target that flapped is back after 2 × 5 s = 10 s instead of 5 × 30 s = 150 s. */
  healthyThreshold: 2,
  /** AWS's default and minimum. */
  unhealthyThreshold: 2,
  /**
   * AWS's 300 s default makes every teardown and redeploy wait five minutes per draining task.
   * 15 s still lets a request in flight finish (the sample app answers in milliseconds);
   * AWS's own guide suggests 5 s for sub-second responses.
   */
  deregistrationDelaySeconds: 15,
  ingressCidr: '0.0.0.0/0',
  /** Real ALBs take ~2.5 min (n=18, median ~150 s), sometimes 5; terraform's default is also 10 min. */
  waitTimeoutMs: 600_000,
  probe: {
    /** Enough to see several tasks answer under round robin, quick to read. */
    requests: 20,
    /** A healthy target answers in milliseconds; 5 s is the ALB's default health-check timeout, so slower means failing. */
    timeoutMs: 5_000,
  },
} as const;
