/**
 * Start-up: medians of N runs, the two sides alternating within each pair so that machine noise
 * hits both alike. `aws` is the command on PATH (aws-cli v1 here, through its pyenv shim if any).
 */
import { BIN, median, run } from './lib.mjs';

async function pair(a, b, n) {
  const ta = [];
  const tb = [];
  for (let i = 0; i < n; i++) {
    const first = i % 2 === 0 ? [a, ta, b, tb] : [b, tb, a, ta];
    for (const [cmd, out] of [
      [first[0], first[1]],
      [first[2], first[3]],
    ]) {
      const r = await run(cmd[0], cmd.slice(1));
      if (r.code !== 0) throw new Error(`${cmd.join(' ')} exited ${r.code}: ${r.stderr.slice(-500)}`);
      out.push(r.ms);
    }
  }
  return { a: median(ta), b: median(tb) };
}

/** {helpMs, awsMs, versionMs, nodeMs, runs} */
export async function startup(n = 15) {
  const node = process.execPath;
  const h = await pair([node, BIN, '--help'], ['aws', '--version'], n);
  const v = await pair([node, BIN, '--version'], [node, '-e', '0'], n);
  return { helpMs: h.a, awsMs: h.b, versionMs: v.a, nodeMs: v.b, runs: n };
}
