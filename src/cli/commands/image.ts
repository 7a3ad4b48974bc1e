import type { Command } from 'commander';
import * as v from '../../util/validate.js';
import * as inputs from '../../docker/inputs.js';
import { checkEngineAddress, chooseTag, engineProvider } from '../../docker/choose.js';
import { collect, examples, globalsOf, parser, runCommand } from './common.js';

const TAG_RULE = `
Default tag (when --tag is not given), the same on every machine and never "latest":
  git-<12 hex>  the last commit that touched the context, if every file sent to the build is
                committed and unchanged (nothing untracked, modified or git-ignored is sent);
  ctx-<12 hex>  otherwise, the start of a sha256 over the sent files' paths and contents
                (files excluded by .dockerignore do not count).
build records what it built in the state; push and run take that image, unless --tag names
another or --context asks to compute the tag again from that directory.`;

interface BuildOptions {
  context: string;
  dockerfile: string;
  tag?: string;
  buildArg?: [string, string][];
  platform?: string;
}
interface PushOptions {
  context?: string;
  tag?: string;
  registry?: string;
}
interface RunOptions {
  context?: string;
  tag?: string;
  port: number;
  path: string;
  network?: inputs.NetworkMode;
  timeout?: number;
}

export function registerImage(program: Command): void {
  const image = program
    .command('image')
    .description(
      'Build, push, try out and list the container image, through the Docker Engine API (no docker CLI needed).',
    )
    .addHelpText('after', examples('image build --context fixtures/app', 'image push --registry 127.0.0.1:5000'));

  image
    .command('build')
    .description(
      'Build the image from a context directory and tag it <repositoryUri>:<tag> (docker build + docker tag).',
    )
    .option('--context <dir>', 'Directory sent to the builder, honouring its .dockerignore.', '.')
    .option(
      '--dockerfile <path>',
      'Dockerfile to build, inside the context (relative to it, or to the current directory).',
      'Dockerfile',
    )
    .option('--tag <tag>', 'Tag to give the image (default: the reproducible rule below).', parser(v.imageTag, '--tag'))
    .option(
      '--build-arg <KEY=VALUE>',
      'Build argument for ARG instructions; repeat the flag for more.',
      collect(inputs.buildArg, '--build-arg'),
    )
    .option(
      '--platform <os/arch>',
      "Platform to build for; one the stack's instances cannot run is refused (default: the instances' platform: linux/arm64 for Graviton types such as t4g.small, linux/amd64 for x86 types such as the default t3.small).",
      parser(inputs.platform, '--platform'),
    )
    .addHelpText(
      'after',
      `${TAG_RULE}\nfixtures/app/Dockerfile.scratch needs a static busybox in fixtures/app first (fixtures/app/README.md;\nbash scripts/playground.sh start copies it).\n${examples('image build', 'image build --context fixtures/app --dockerfile Dockerfile.scratch --tag v0.1')}`,
    )
    .action(async (opts: BuildOptions, cmd: Command) => {
      const { readContext } = await import('../../docker/context.js');
      // The context and the Dockerfile are checked (exit 2) before the state, AWS or the engine.
      const context = await readContext(opts.context, opts.dockerfile);
      await checkEngineAddress();
      const tag = await chooseTag(opts.tag, opts.context, context);
      await runCommand(globalsOf(cmd), {
        command: 'image build',
        services: [],
        // It records the build in the state.
        mutates: true,
        run: async (ctx) => {
          const { choosePlatform } = await import('../../steps/image/platform.js');
          // Checked before the engine is asked anything (exit 2).
          const platform = choosePlatform({ flag: opts.platform, instanceType: ctx.state.current.instances?.type });
          const { buildImage } = await import('../../steps/image/build.js');
          return buildImage(ctx, engineProvider, { context, tag, buildArgs: opts.buildArg, platform });
        },
        render: (r) =>
          `built ${r.image} for ${r.platform} (${r.platformWhy}; tag from ${r.tagRule === 'flag' ? '--tag' : r.tagRule === 'git' ? 'the git commit' : 'the context content'}, ${r.files} files, ${r.seconds}s)`,
      });
    });

  image
    .command('push')
    .description(
      "Push the built image to the stack's ECR repository with credentials from ECR, and record its digest; skipped when the registry already has it.",
    )
    .option(
      '--tag <tag>',
      'Tag to push (default: the image `image build` recorded in the state, see below).',
      parser(v.imageTag, '--tag'),
    )
    .option(
      '--context <dir>',
      'Push the image built from this directory: its tag is computed again (default: the recorded build, else .).',
    )
    .option(
      '--registry <HOST:PORT>',
      "Push to this registry instead of the ECR hostname, with the same ECR-issued credentials, e.g. an emulator's local registry; the state still records the ECR URI (default: env ECSCTL_REGISTRY, else ECR).",
      parser(inputs.registryAddress, '--registry'),
    )
    .addHelpText('after', `${TAG_RULE}\n${examples('image push', 'image push --tag v0.1 --registry 127.0.0.1:5000')}`)
    .action(async (opts: PushOptions, cmd: Command) => {
      const registry =
        opts.registry ??
        (process.env.ECSCTL_REGISTRY
          ? inputs.registryAddress(process.env.ECSCTL_REGISTRY, 'ECSCTL_REGISTRY')
          : undefined);
      await checkEngineAddress();
      const tag = await explicitTag(opts);
      await runCommand(globalsOf(cmd), {
        command: 'image push',
        services: ['ecr'],
        mutates: true,
        run: async (ctx, g) =>
          (await import('../../steps/image/image.js')).pushImage(ctx, engineProvider, {
            tag,
            defaultTag,
            registry,
            endpoint: g.endpoint,
          }),
        render: (r) =>
          `${r.outcome}: ${r.pushedTo}@${r.digest}${r.registry ? `\n  recorded as ${r.image} (the task definition's image)` : ''}`,
      });
    });

  image
    .command('run')
    .description(
      'Try the built image locally: start it, wait until it answers GET --path on --port, print the answer, remove it (docker run + curl).',
    )
    .option(
      '--tag <tag>',
      'Tag to run (default: the image `image build` recorded in the state, see below).',
      parser(v.imageTag, '--tag'),
    )
    .option(
      '--context <dir>',
      'Run the image built from this directory: its tag is computed again (default: the recorded build, else .).',
    )
    .option(
      '--port <port>',
      'Port the app listens on, given to it as $PORT and probed on 127.0.0.1.',
      parser(v.port, '--port'),
      8080,
    )
    .option('--path <path>', 'Path to GET once the app listens.', parser(inputs.urlPath, '--path'), '/info')
    .option(
      '--network <mode>',
      "Network mode: host (share this machine's network) or bridge (publish --port on 127.0.0.1) (default: host when the engine has no bridge network, else bridge).",
      parser(inputs.network, '--network'),
    )
    .option(
      '--timeout <duration>',
      'How long to wait for the first answer, e.g. 30s or 2m (default: 30s).',
      parser((x, f) => v.duration(x, f, 3600_000), '--timeout'),
    )
    .addHelpText(
      'after',
      `${TAG_RULE}\n${examples('image run', 'image run --tag v0.1 --network host --port 8080 --path /info')}`,
    )
    .action(async (opts: RunOptions, cmd: Command) => {
      await checkEngineAddress();
      const tag = await explicitTag(opts);
      await runCommand(globalsOf(cmd), {
        command: 'image run',
        services: [],
        mutates: false,
        run: async (ctx) =>
          (await import('../../steps/image/run.js')).runImage(ctx, engineProvider, {
            tag,
            defaultTag,
            port: opts.port,
            path: opts.path,
            network: opts.network,
            timeoutMs: opts.timeout ?? 30_000, // the --timeout default, as its description says
          }),
        render: (r) => r.body,
      });
    });

  image
    .command('list')
    .description("List the images in the stack's ECR repository: tags, digest, when pushed and size.")
    .addHelpText('after', examples('image list', 'image list --json'))
    .action(async (_opts: object, cmd: Command) => {
      await runCommand(globalsOf(cmd), {
        command: 'image list',
        services: ['ecr'],
        mutates: false,
        run: async (ctx) => (await import('../../steps/image/image.js')).listImages(ctx),
        render: (rows) =>
          rows.length === 0
            ? 'no images in the repository'
            : [
                'TAGS                     DIGEST                  PUSHED AT                 SIZE',
                ...rows.map(
                  (r) =>
                    `${(r.tags.join(',') || '<untagged>').padEnd(24)} ${r.digest.slice(0, 23).padEnd(23)} ${(r.pushedAt ?? '-').padEnd(25)} ${r.sizeBytes === undefined ? '-' : `${(r.sizeBytes / 1e6).toFixed(1)} MB`}`,
                ),
              ].join('\n'),
      });
    });
}

/** --tag, or the tag an explicit --context computes to; undefined: the recorded build decides. */
async function explicitTag(opts: { tag?: string; context?: string }): Promise<string | undefined> {
  if (opts.tag !== undefined || opts.context === undefined) return opts.tag;
  return (await chooseTag(undefined, opts.context)).tag;
}

/** For a state with no build record (written before builds were recorded): the tag of ".". */
async function defaultTag(): Promise<string> {
  return (await chooseTag(undefined, '.')).tag;
}
