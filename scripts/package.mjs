#!/usr/bin/env node
// `npm run package` (and npm's `prepack`): bundles src/ into pkg/ for the published tarball, apart
// from the developer build (`npm run build`: tsc → dist/, what the tests run).
//
// One ESM entry (pkg/bin.js) plus chunks: every `await import(…)` in src stays a separate chunk
// (each AWS SDK client, dockerode, ora, the step modules), so `--help` and `--version` load no more
// than the developer build does. Everything a user needs is inside, so `npm install -g` fetches
// nothing and runs no install script. Left out on purpose:
// - ssh2's native helpers (`cpu-features`, `sshcrypto.node`): ssh2 tries them and falls back to
//   pure JS when they are missing, so DOCKER_HOST=ssh://… still works;
// - dockerode's BuildKit session (@grpc/grpc-js, @grpc/proto-loader, protobufjs): reached only by
//   `docker.buildImage(…, {version: '2'})`, which ecsctl never asks for; a stub says so if it ever is.
import { build } from 'esbuild';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'pkg');
rmSync(out, { recursive: true, force: true });
mkdirSync(out);

const notBundled = ['@grpc/grpc-js', '@grpc/proto-loader', 'protobufjs'];
const stubBuildKit = {
  name: 'stub-buildkit',
  setup(b) {
    const filter = new RegExp(`^(${notBundled.map((n) => n.replace(/[/.]/g, '\\$&')).join('|')})$`);
    b.onResolve({ filter }, (args) => ({ path: args.path, namespace: 'not-bundled' }));
    b.onLoad({ filter: /.*/, namespace: 'not-bundled' }, (args) => ({
      contents: `module.exports = new Proxy({}, { get(_, key) {
        if (key === '__esModule') return false;
        throw new Error(${JSON.stringify(`${args.path} is not part of the ecsctl package (Docker BuildKit sessions are not used)`)});
      } });`,
      loader: 'js',
    }));
  },
};

const result = await build({
  absWorkingDir: root,
  entryPoints: { bin: 'src/bin.ts', version: 'src/version.ts' },
  outdir: out,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // The SDK's ES module builds tree-shake and split better than its CommonJS ones.
  mainFields: ['module', 'main'],
  minify: true,
  keepNames: true, // error names and commander's class checks stay readable in --verbose stacks
  legalComments: 'none', // licences are collected whole into THIRD_PARTY_LICENSES below
  chunkNames: 'chunks/[name]-[hash]',
  external: ['cpu-features', '*.node'],
  plugins: [stubBuildKit],
  // CommonJS dependencies (dockerode, ssh2, tar-fs) call require() and read __dirname (ssh2's
  // Emscripten-built poly1305 does, as it starts); an ES module has neither of its own.
  banner: {
    js: [
      "import { createRequire as __ecsctlCreateRequire } from 'node:module';",
      "import { dirname as __ecsctlDirname } from 'node:path';",
      "import { fileURLToPath as __ecsctlFileURLToPath } from 'node:url';",
      'const require = __ecsctlCreateRequire(import.meta.url);',
      'const __filename = __ecsctlFileURLToPath(import.meta.url);',
      'const __dirname = __ecsctlDirname(__filename);',
    ].join(' '),
  },
  metafile: true,
  logLevel: 'warning',
});

// Every bundled package's licence text, as their licences ask of a redistribution.
const packages = new Map();
for (const input of Object.keys(result.metafile.inputs)) {
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input);
  if (!m) continue;
  const dir = join(root, input.slice(0, m.index + m[0].length));
  if (packages.has(m[1])) continue;
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  const file = readdirSync(dir).find((f) => /^(licen[cs]e|copying)/i.test(f));
  packages.set(m[1], {
    version: manifest.version,
    license: manifest.license ?? 'see text',
    text: file ? readFileSync(join(dir, file), 'utf8').trim() : `(${manifest.license}; no licence file shipped)`,
  });
}
writeFileSync(
  join(out, 'THIRD_PARTY_LICENSES'),
  [...packages]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, p]) => `${name}@${p.version} (${p.license})\n\n${p.text}\n`)
    .join(`\n${'-'.repeat(72)}\n\n`),
);

// `--help` and `--version` must stay as fast as the developer build's: no AWS SDK client, no Docker
// client and no spinner in what bin.js loads before a command runs (only through `await import`).
const eager = new Set();
const visit = (file) => {
  if (eager.has(file)) return;
  eager.add(file);
  for (const i of result.metafile.outputs[file]?.imports ?? []) if (i.kind === 'import-statement') visit(i.path);
};
visit('pkg/bin.js');
const heavy = new Set(
  [...eager].flatMap((file) =>
    Object.keys(result.metafile.outputs[file]?.inputs ?? {}).flatMap(
      (i) => /node_modules\/(@aws-sdk\/client-[^/]+|dockerode|ora)\//.exec(i)?.[1] ?? [],
    ),
  ),
);
if (heavy.size > 0) throw new Error(`bin.js loads these before any command runs: ${[...heavy].join(', ')}`);

const bytes = Object.values(result.metafile.outputs).reduce((n, o) => n + o.bytes, 0);
if (!existsSync(join(out, 'bin.js'))) throw new Error('pkg/bin.js was not written');
process.stderr.write(
  `pkg/: ${Object.keys(result.metafile.outputs).length} files, ${(bytes / 1e6).toFixed(1)} MB, ${packages.size} packages bundled\n`,
);
