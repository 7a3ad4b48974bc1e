import type { Command } from 'commander';
import * as v from '../../util/validate.js';
import * as inputs from '../../docker/inputs.js';
import { chooseTag, engineProvider } from '../../docker/choose.js';
import { collect, examples, globalsOf, parser, runCommand } from './common.js';

const TAG_RULE = `
Default tag (when --tag is not given), the same on every machine and never "latest":
  git-<12 hex>  the last commit that touched the context, if every file sent to the build is
                committed and unchanged (nothing untracked, modified or git-ignored is sent);
  ctx-<12 hex>  otherwise, the start of a sha256 over the sent files' paths and contents
                (files excluded by .dockerignore do not count).
push and run compute it again from --context, so they find what build built.`;

interface BuildOptions {
  context: string;
  dockerfile: string;
  tag?: string;
  buildArg?: [string, string][];
  platform: string;
}
interface PushOptions {
  context: string;
  tag?: string;
  registry?: string;
}
interface RunOptions {
  context: string;
  tag?: string;
  port: number;
  path: string;
  network?: inputs.NetworkMode;
  timeout: number;
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
      'Platform to build for; ECS container instances of the walkthrough are x86_64.',
      parser(inputs.platform, '--platform'),
      'linux/amd64',
    )
    .addHelpText(
      'after',
      `${TAG_RULE}\n${examples('image build', 'image build --context fixtures/app --dockerfile Dockerfile.scratch --tag v0.1')}`,
    )
    .action(async (opts: BuildOptions, cmd: Command) => {
      const { readContext } = await import('../../docker/context.js');
      // The context and the Dockerfile are checked (exit 2) before the state, AWS or the engine.
      const context = await readContext(opts.context, opts.dockerfile);
      const tag = await chooseTag(opts.tag, opts.context, context);
      await runCommand(globalsOf(cmd), {
        command: 'image build',
        services: [],
        mutates: false,
        run: async (ctx) => {
          const steps = await import('../../steps/image/image.js');
          return steps.buildImage(ctx, engineProvider, {
            context,
            tag,
            buildArgs: opts.buildArg,
            platform: opts.platform,
          });
        },
        render: (r) =>
          `built ${r.image} (tag from ${r.tagRule === 'flag' ? '--tag' : r.tagRule === 'git' ? 'the git commit' : 'the context content'}, ${r.files} files, ${r.seconds}s)`,
      });
    });

  image
    .command('push')
    .description(
      "Push the built image to the stack's ECR repository with credentials from ECR, and record its digest; skipped when the registry already has it.",
    )
    .option(
      '--tag <tag>',
      'Tag to push (default: the tag `image build` gives the --context, see below).',
      parser(v.imageTag, '--tag'),
    )
    .option('--context <dir>', 'Context the default tag is computed from.', '.')
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
      const tag = (await chooseTag(opts.tag, opts.context)).tag;
      await runCommand(globalsOf(cmd), {
        command: 'image push',
        services: ['ecr'],
        mutates: true,
        run: async (ctx) =>
          (await import('../../steps/image/image.js')).pushImage(ctx, engineProvider, { tag, registry }),
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
      'Tag to run (default: the tag `image build` gives the --context, see below).',
      parser(v.imageTag, '--tag'),
    )
    .option('--context <dir>', 'Context the default tag is computed from.', '.')
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
      'How long to wait for the first answer, e.g. 30s or 2m.',
      parser((x, f) => v.duration(x, f, 3600_000), '--timeout'),
      30_000,
    )
    .addHelpText(
      'after',
      `${TAG_RULE}\n${examples('image run', 'image run --tag v0.1 --network host --port 8080 --path /info')}`,
    )
    .action(async (opts: RunOptions, cmd: Command) => {
      const tag = (await chooseTag(opts.tag, opts.context)).tag;
      await runCommand(globalsOf(cmd), {
        command: 'image run',
        services: [],
        mutates: false,
        run: async (ctx) =>
          (await import('../../steps/image/run.js')).runImage(ctx, engineProvider, {
            tag,
            port: opts.port,
            path: opts.path,
            network: opts.network,
            timeoutMs: opts.timeout,
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
