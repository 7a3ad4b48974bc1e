#!/usr/bin/env node
/**
 * `npm run bench`: start-up, ecsctl vs the hand-run walkthrough, calls and memory, image, and the
 * time-simulated critical path. Starts its own moto (free loopback port), the stand-ins and the
 * engine+registry, stops each by PID, prints the table and writes it into bench/README.md.
 *
 * Env: BENCH_RUNS (walkthrough pairs, default 3), BENCH_STARTUP_RUNS (default 15),
 *      BENCH_ONLY=startup,walk,calls,image,critical (default all),
 *      BENCH_BIN (default: the packed tarball installed into a temporary prefix; `dev` = dist/).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, installPackage, median, ROOT, startMoto, startStandins, warmMoto } from './lib.mjs';
import { startup } from './startup.mjs';
import { ecsctlUpDown, walkthrough } from './sides.mjs';
import { callsAndMemory } from './calls.mjs';
import { image } from './image.mjs';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const only = new Set((process.env.BENCH_ONLY ?? 'startup,walk,calls,image,critical').split(','));
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const rows = [];
const row = (figure, value, bar, pass) => {
  rows.push({ figure, value, bar, pass: pass === undefined ? '' : pass ? 'pass' : 'FAIL' });
  console.error(`bench: ${figure}: ${value}`);
};
const s = (ms) => `${(ms / 1000).toFixed(2)} s`;
const log = (m) => console.error(`bench: ${m}`);

async function main() {
  // Every row runs ecsctl as users run it: the packed tarball, installed with npm install -g.
  const installDir = mkdtempSync(join(tmpdir(), 'ecsctl-bench-pkg-'));
  try {
    log('packing and installing the package…');
    const pkg = await installPackage(installDir);
    if (pkg)
      row(
        'ecsctl measured: the packed tarball installed with `npm install -g --offline` (size; install time)',
        `${(pkg.tarballBytes / 1e6).toFixed(2)} MB; ${s(pkg.installMs)}`,
        '',
        undefined,
      );
    else log(`ecsctl measured: ${BIN} (BENCH_BIN)`);
    await measure();
  } finally {
    rmSync(installDir, { recursive: true, force: true });
  }
}

async function measure() {
  if (only.has('startup')) {
    log('start-up…');
    const r = await startup(Number(process.env.BENCH_STARTUP_RUNS ?? 15));
    row(
      `\`ecsctl --help\` / \`aws --version\` (medians of ${r.runs})`,
      `${r.helpMs.toFixed(0)} / ${r.awsMs.toFixed(0)} ms = ${(r.helpMs / r.awsMs).toFixed(2)}×`,
      '≤ 0.35×',
      r.helpMs / r.awsMs <= 0.35,
    );
    row(
      `\`ecsctl --version\` / \`node -e 0\` (medians of ${r.runs})`,
      `${r.versionMs.toFixed(0)} / ${r.nodeMs.toFixed(0)} ms = ${(r.versionMs / r.nodeMs).toFixed(2)}×`,
      '≤ 2×',
      r.versionMs / r.nodeMs <= 2,
    );
  }
  if (only.has('walk') || only.has('calls') || only.has('image')) {
    const moto = await startMoto();
    const standins = await startStandins(moto.endpoint);
    try {
      if (only.has('walk')) {
        const e = [];
        const w = [];
        let inv = 0;
        for (let i = 0; i < RUNS; i++) {
          for (const side of i % 2 === 0 ? ['ecsctl', 'walk'] : ['walk', 'ecsctl']) {
            await moto.reset();
            await warmMoto(moto.endpoint);
            log(`walkthrough run ${i + 1}/${RUNS}: ${side}…`);
            if (side === 'ecsctl')
              // As users run it: no ECSCTL_POLL_SCALE, ecsctl's own poll schedule at full length.
              e.push((await ecsctlUpDown(moto.endpoint)).ms);
            else {
              const r = await walkthrough(moto.endpoint);
              w.push(r.ms);
              inv = r.invocations;
            }
          }
        }
        const me = median(e);
        const mw = median(w);
        log(
          `walkthrough runs (s): ${w.map((x) => (x / 1000).toFixed(2)).join(', ')}; ecsctl runs (s): ${e.map((x) => (x / 1000).toFixed(2)).join(', ')}`,
        );
        row(
          `walkthrough-awscli.sh (${inv} aws invocations), median of ${RUNS}`,
          `${s(mw)} (runs: ${w.map((x) => (x / 1000).toFixed(1)).join(', ')})`,
          '',
          undefined,
        );
        row(
          `\`ecsctl up --image … && ecsctl down --yes\` (as users run it, no ECSCTL_POLL_SCALE), median of ${RUNS}`,
          `${s(me)} (runs: ${e.map((x) => (x / 1000).toFixed(1)).join(', ')}) → ${(mw / me).toFixed(1)}× faster`,
          '≥ 10×',
          mw / me >= 10,
        );
      }
      if (only.has('calls')) {
        await moto.reset();
        await warmMoto(moto.endpoint);
        log('calls and memory…');
        const r = await callsAndMemory(moto, {});
        row(
          'API calls of `up` on an empty account',
          `${r.up.total} (${r.up.reads} reads, ${r.up.mutating} mutating)`,
          '',
          undefined,
        );
        row(
          'API calls of a no-op `up` rerun',
          `${r.rerun.total} (${r.rerun.reads} reads, ${r.rerun.mutating} mutating)`,
          '0 mutating',
          r.rerun.mutating === 0,
        );
        row('peak RSS of `up`', `${r.rssMb.toFixed(0)} MB`, '≤ 200 MB', r.rssMb <= 200);
      }
      if (only.has('image')) {
        await moto.reset();
        log('image (engine + registry)…');
        const r = await image(moto);
        row('`image build` fixtures/app (FROM scratch + busybox), whole process', s(r.buildMs), '', undefined);
        row('`image push --registry` to the local registry, whole process', s(r.pushMs), '', undefined);
        row(`second push of the same digest (${r.secondOutcome}), whole process`, s(r.secondPushMs), '', undefined);
      }
    } finally {
      await standins.stop();
      await moto.stop();
    }
  }
  if (only.has('critical')) {
    try {
      const { critical } = await import('./critical.mjs');
      await critical({ row, log });
    } catch (e) {
      row(
        'critical path (time-simulating proxy)',
        `not measured: ${String(e.message ?? e).split('\n')[0]}`,
        '≤ 1.10×',
        false,
      );
    }
  }
}

function machine() {
  const mem = execFileSync('free', ['-g'], { encoding: 'utf8' }).split('\n')[1]?.trim().split(/\s+/)[1];
  return `${cpus().length} cores (\`nproc\` ${execFileSync('nproc', { encoding: 'utf8' }).trim()}, ${cpus()[0]?.model ?? '?'}), ${mem} GB RAM (\`free -g\`), node ${process.version}, ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

function table() {
  return [
    '| figure | value | bar | result |',
    '|---|---|---|---|',
    ...rows.map((r) => `| ${r.figure} | ${r.value} | ${r.bar} | ${r.pass} |`),
  ].join('\n');
}

try {
  await main();
} finally {
  const out = `Machine: ${machine()}\n\n${table()}\n`;
  console.log(out);
  const readme = join(ROOT, 'bench/README.md');
  const text = existsSync(readme) ? readFileSync(readme, 'utf8') : '';
  const START = '<!-- bench:latest -->';
  const END = '<!-- /bench:latest -->';
  const block = `${START}\n${out}${END}`;
  writeFileSync(
    readme,
    text.includes(START)
      ? text.replace(new RegExp(`${START}[\\s\\S]*${END}`), block)
      : `${text}\n## Latest figures\n\n${block}\n`,
  );
}
