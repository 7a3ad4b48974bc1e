import { describe, expect, it } from 'vitest';
import { startClients } from '../../../src/aws/clients.js';

const settings = { region: 'us-east-1', endpoint: 'http://127.0.0.1:9', userAgent: 'ecsctl/test' };

describe('startClients', () => {
  it('loads a client only when it is asked for, so nothing compiles before a task needs it', async () => {
    const loading = startClients(settings, ['elb', 'ecr']);
    // Nothing asked for yet: not even the first service is built.
    await new Promise((r) => setTimeout(r, 50));
    expect(() => loading.aws.elb).toThrow(/elb client was used before it was ready/);
    await loading.ready(['ecr']);
    expect(loading.aws.ecr.config.serviceId).toBe('ECR');
    expect(() => loading.aws.elb).toThrow(/before it was ready/);
    await loading.ready(['elb', 'ecr']);
    expect(loading.aws.elb).toBeDefined();
  });

  it('refuses a client the command did not list', async () => {
    const loading = startClients(settings, ['ecr']);
    expect(() => loading.aws.iam).toThrow(/iam client was not loaded for this command/);
    await expect(loading.ready(['iam'])).rejects.toThrow(/iam client was not loaded for this command/);
  });
});
