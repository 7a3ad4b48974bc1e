/**
 * Shared pieces of the benchmark: moto on a free loopback port (stopped by PID), the stand-ins,
 * a counting/rewriting proxy in front of moto, timed subprocesses and medians.
 * Plain ESM so that `node bench/run.js` needs nothing beyond `npm run build`.
 */
import { spawn, execFileSync } from 'node:child_process';
import { createServer as netServer } from 'node:net';
import { createServer, request } from 'node:http';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
// The ecsctl measured. By default the published package as users get it (`installPackage`, below,
// sets it before anything runs); BENCH_BIN=dev measures the developer build (tsc → dist/), any
// other BENCH_BIN that file (e.g. <prefix>/lib/node_modules/ecsctl/bin/ecsctl.js).
export let BIN =
  process.env.BENCH_BIN && process.env.BENCH_BIN !== 'dev' ? process.env.BENCH_BIN : `${ROOT}bin/ecsctl.js`;

/**
 * `npm pack` (which bundles src/ into pkg/) and `npm install --global --offline` of the tarball
 * into a temporary prefix: what `npm install -g ecsctl` gives a user. Sets BIN to the installed
 * entry point; returns {tarballBytes, installMs, prefix}. Skipped when BENCH_BIN is set.
 */
export async function installPackage(dir) {
  if (process.env.BENCH_BIN) return undefined;
  const packed = await run('npm', ['pack', '--pack-destination', dir, '--json', '--loglevel', 'error']);
  if (packed.code !== 0) throw new Error(`npm pack exited ${packed.code}: ${packed.stderr.slice(-800)}`);
  const [info] = JSON.parse(packed.stdout);
  const prefix = join(dir, 'prefix');
  const started = Date.now();
  const installed = await run('npm', [
    'install',
    '--global',
    '--offline',
    '--no-audit',
    '--no-fund',
    '--loglevel',
    'error',
    '--prefix',
    prefix,
    join(dir, info.filename),
  ]);
  if (installed.code !== 0) throw new Error(`npm install -g exited ${installed.code}: ${installed.stderr.slice(-800)}`);
  BIN = join(prefix, 'lib', 'node_modules', 'ecsctl', 'bin', 'ecsctl.js');
  return { tarballBytes: info.size, installMs: Date.now() - started, prefix };
}
export const CREDS = {
  AWS_ACCESS_KEY_ID: 'AKIABENCH00000000000',
  AWS_SECRET_ACCESS_KEY: 'bench',
  AWS_REGION: 'us-east-1',
  AWS_DEFAULT_REGION: 'us-east-1',
};

export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export async function freePort() {
  return new Promise((resolve, reject) => {
    const srv = netServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** Stops a child we started, by its PID: SIGTERM, then SIGKILL after graceMs. */
export async function stopChild(child, graceMs = 5000) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const t = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(t);
}

/**
 * moto on a free loopback port; the real interpreter (not a pyenv shim) so the PID is moto's.
 * MOTO_ECS_SERVICE_RUNNING=10: services report their 10 tasks running (moto starts none), as the
 * walkthrough's and ecsctl's desired count of 10 needs for any "service is steady" wait to pass.
 */
export async function startMoto() {
  const python =
    process.env.ECSCTL_TEST_PYTHON ??
    execFileSync('python3', ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8' }).trim();
  const port = await freePort();
  const child = spawn(python, ['-m', 'moto.server', '-H', '127.0.0.1', '-p', String(port)], {
    env: { ...process.env, MOTO_IAM_LOAD_MANAGED_POLICIES: 'true', MOTO_ECS_SERVICE_RUNNING: '10' },
    stdio: ['ignore', 'ignore', 'ignore'],
  });
  const endpoint = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30000;
  for (;;) {
    if (child.exitCode !== null) throw new Error('moto exited before answering');
    try {
      if ((await fetch(`${endpoint}/moto-api/data.json`)).ok) break;
    } catch {
      /* not yet */
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error('moto did not answer in 30 s');
    }
    await sleep(100);
  }
  return {
    endpoint,
    pid: child.pid,
    reset: async () => {
      await fetch(`${endpoint}/moto-api/reset`, { method: 'POST' });
    },
    stop: () => stopChild(child),
  };
}

/** Both stand-ins (ECS agent, ECS scheduler's target registration) against `endpoint`. */
export async function startStandins(endpoint, intervalMs = 200) {
  const { startAgent } = await import('../scripts/standin/agent.mjs');
  const { startScheduler } = await import('../scripts/standin/scheduler.mjs');
  const agent = startAgent({ endpoint, intervalMs });
  const scheduler = startScheduler({ endpoint, intervalMs });
  return {
    agent,
    scheduler,
    stop: async () => {
      await agent.stop();
      await scheduler.stop();
    },
  };
}

/** Service (from the SigV4 scope) and operation (x-amz-target or Action=) of one AWS call. */
export function operationOf(headers, body) {
  const scope = /Credential=[^/]+\/\d+\/[^/]+\/([^/]+)\//.exec(String(headers.authorization ?? ''))?.[1] ?? 'unknown';
  const target = headers['x-amz-target'];
  const operation =
    typeof target === 'string' ? target.split('.').pop() : (new URLSearchParams(body).get('Action') ?? 'unknown');
  return { service: scope, operation };
}

/** A read: Describe*, List*, Get* (and ECR's BatchCheck/BatchGet); everything else mutates. */
export const isRead = (op) => /^(Describe|List|Get|BatchGet|BatchCheck)/.test(op);

/**
 * An HTTP proxy in front of moto. `hooks.before(call, body)` may return {status, body} to answer
 * itself (or a Promise of it); `hooks.after(call, reqBody, status, resBody)` may return a new body.
 * Every call is recorded in `calls` ({service, operation, source}); `tag` names the caller.
 */
export async function startProxy(target, hooks = {}) {
  const upstream = new URL(target);
  const calls = [];
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', async () => {
      const body = Buffer.concat(chunks);
      const text = body.toString();
      const call = {
        ...operationOf(req.headers, text),
        agent: String(req.headers.authorization ?? '').includes('STANDIN') ? 'standin' : 'client',
        t: Date.now(),
      };
      calls.push(call);
      const own = hooks.before ? await hooks.before(call, text) : undefined;
      if (own) {
        res.writeHead(own.status, { 'content-type': own.contentType ?? 'text/xml' });
        res.end(own.body);
        return;
      }
      const fwd = request(
        {
          host: upstream.hostname,
          port: upstream.port,
          method: req.method,
          path: req.url,
          headers: { ...req.headers, host: upstream.host },
        },
        (up) => {
          const parts = [];
          up.on('data', (c) => parts.push(c));
          up.on('end', () => {
            let out = Buffer.concat(parts);
            const headers = { ...up.headers };
            if (hooks.after) {
              const changed = hooks.after(call, text, up.statusCode, out.toString());
              if (typeof changed === 'string') {
                out = Buffer.from(changed);
                delete headers['content-length'];
                delete headers['transfer-encoding'];
                headers['content-length'] = String(out.length);
              }
            }
            res.writeHead(up.statusCode ?? 502, headers);
            res.end(out);
          });
        },
      );
      fwd.on('error', () => {
        res.writeHead(502);
        res.end();
      });
      fwd.end(body);
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return {
    endpoint: `http://127.0.0.1:${server.address().port}`,
    calls,
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** Runs a command to completion; resolves {code, ms, stdout, stderr}. */
export function run(cmd, args, { env = {}, cwd = ROOT, input } = {}) {
  return new Promise((resolve) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(cmd, args, { cwd, env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('error', (e) => resolve({ code: -1, ms: 0, stdout, stderr: String(e) }));
    child.on('close', (code) => resolve({ code, ms: Number(process.hrtime.bigint() - t0) / 1e6, stdout, stderr }));
    child.stdin.end(input ?? '');
  });
}

/**
 * After a start or POST /moto-api/reset, moto builds each service's backend on its first call
 * (EC2's default VPC, IAM's managed policies: seconds). One read per service, untimed, before
 * each timed side, so that both sides start on a fresh-but-warm moto and what is timed is theirs.
 */
export async function warmMoto(endpoint) {
  const config = {
    region: 'us-east-1',
    endpoint,
    credentials: { accessKeyId: CREDS.AWS_ACCESS_KEY_ID, secretAccessKey: CREDS.AWS_SECRET_ACCESS_KEY },
  };
  const ec2 = await import('@aws-sdk/client-ec2');
  const iam = await import('@aws-sdk/client-iam');
  const ecs = await import('@aws-sdk/client-ecs');
  const elb = await import('@aws-sdk/client-elastic-load-balancing-v2');
  const ecr = await import('@aws-sdk/client-ecr');
  const ssm = await import('@aws-sdk/client-ssm');
  const logs = await import('@aws-sdk/client-cloudwatch-logs');
  await Promise.all([
    new ec2.EC2Client(config).send(new ec2.DescribeSubnetsCommand({})),
    new iam.IAMClient(config).send(new iam.ListPoliciesCommand({ MaxItems: 1 })),
    new ecs.ECSClient(config).send(new ecs.ListClustersCommand({})),
    new elb.ElasticLoadBalancingV2Client(config).send(new elb.DescribeLoadBalancersCommand({})),
    new ecr.ECRClient(config).send(new ecr.DescribeRepositoriesCommand({})),
    new ssm.SSMClient(config)
      .send(new ssm.GetParameterCommand({ Name: '/aws/service/ecs/optimized-ami/amazon-linux-2/recommended/image_id' }))
      .catch(() => undefined),
    new logs.CloudWatchLogsClient(config).send(new logs.DescribeLogGroupsCommand({})),
  ]);
}
