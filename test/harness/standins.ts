/**
 * moto plus the two stand-ins a full `ecsctl up` needs there: the ECS agent (registers container
 * instances) and the ECS scheduler (registers targets), with moto reporting services as running.
 */
import { startAgent, type StandinAgent } from '../../scripts/standin/agent.mjs';
import { startScheduler, type Scheduler } from '../../scripts/standin/scheduler.mjs';
import { startMoto, type Moto } from './moto.js';

export interface UpWorld {
  readonly moto: Moto;
  stop(): Promise<void>;
}

export async function startUpWorld(): Promise<UpWorld> {
  const moto = await startMoto({ MOTO_ECS_SERVICE_RUNNING: '10' });
  let agent: StandinAgent | undefined;
  let scheduler: Scheduler | undefined;
  try {
    agent = startAgent({ endpoint: moto.endpoint, intervalMs: 200 });
    scheduler = startScheduler({ endpoint: moto.endpoint, intervalMs: 200 });
  } catch (e) {
    await moto.stop();
    throw e;
  }
  return {
    moto,
    async stop() {
      await agent?.stop();
      await scheduler?.stop();
      await moto.stop();
    },
  };
}

/** An image reference `up --image` accepts without a build or push. */
export const IMAGE = '123456789012.dkr.ecr.us-east-1.amazonaws.com/web:v1';
/** Fast polls: same code path, a tenth of the waiting. */
export const FAST = { ECSCTL_POLL_SCALE: '0.1' };
