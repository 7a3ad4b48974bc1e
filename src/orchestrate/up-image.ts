/**
 * The image part of `up`: with --image, record that image; otherwise build from the context and
 * push with ECR credentials, through the same step functions as `image build` / `image push`.
 * The context is read, the platform chosen and the tag decided before anything else, so a missing
 * context or a --platform the instances cannot run exits 2 before the lock, the state or any AWS call.
 */
import type { BuildContext } from '../docker/context.js';
import type { TagChoice } from '../docker/tag.js';
import type { State } from '../state/schema.js';
import type { StepContext } from '../steps/context.js';
import type { PlatformChoice } from '../steps/image/platform.js';
import type { ImageHooks } from './image-hooks.js';
import { outcomeOf } from './graph.js';
import type { UpSettings } from './settings.js';

/**
 * What `up` remembers from earlier runs (read from the state before the lock; a state that cannot
 * be read is reported by the runner as usual): the context and Dockerfile of the recorded build
 * when neither is given, the recorded instance type when none is given, and the platform of the
 * instances that will run the tasks (those recorded: up does not replace running instances of
 * another type). `given` says which settings came from a flag or --config.
 */
export async function rememberImageSource<S extends UpSettings>(
  readRecorded: () => Promise<State | undefined>,
  s: S,
  given: (key: 'context' | 'dockerfile' | 'instanceType') => boolean,
): Promise<S & { readonly platformChoice?: PlatformChoice }> {
  const state: State | undefined = await readRecorded();
  const recordedType = state?.instances?.type;
  if (!given('instanceType') && recordedType) s = { ...s, instanceType: recordedType };
  if (s.image) return s;
  const build = state?.build;
  const remembered =
    !given('context') && !given('dockerfile') && build?.context
      ? { context: build.context, dockerfile: build.dockerfile ?? 'Dockerfile' }
      : {};
  const { choosePlatform } = await import('../steps/image/platform.js');
  // The instances that will run the tasks: those recorded, else the ones this run creates.
  const platformChoice = choosePlatform({
    flag: s.platform,
    instanceType: recordedType ?? s.instanceType,
  });
  return { ...s, ...remembered, platform: platformChoice.platform, platformChoice };
}

export async function prepareImage(
  s: UpSettings & { readonly platformChoice?: PlatformChoice },
  o: { readonly endpoint?: string } = {},
): Promise<ImageHooks> {
  if (s.image) {
    const uri = s.image;
    return {
      async build(ctx) {
        if (ctx.state.current.image?.uri === uri) return outcomeOf('unchanged', `unchanged: ${uri}`);
        await ctx.state.record({ image: { uri } });
        return outcomeOf('recorded', `recorded: ${uri}`);
      },
      push: async () => outcomeOf('skipped', 'skipped (--image)'),
      uri: () => uri,
    };
  }
  const { readContext } = await import('../docker/context.js');
  const { checkEngineAddress, chooseTag, engineProvider } = await import('../docker/choose.js');
  await checkEngineAddress();
  const { choosePlatform } = await import('../steps/image/platform.js');
  const context: BuildContext = await readContext(s.context, s.dockerfile);
  const tag: TagChoice = await chooseTag(s.tag, s.context, context);
  const platform = s.platformChoice ?? choosePlatform({ flag: s.platform, instanceType: s.instanceType });
  const uriOf = (ctx: StepContext) => `${ctx.state.current.repository!.uri}:${tag.tag}`;
  return {
    async build(ctx) {
      const { buildImage } = await import('../steps/image/build.js');
      const r = await buildImage(ctx, engineProvider, { context, tag, platform });
      return outcomeOf('built', `built ${r.tag} for ${r.platform} (${r.platformWhy}, ${r.files} files)`);
    },
    async push(ctx) {
      const { pushImage } = await import('../steps/image/image.js');
      const r = await pushImage(ctx, engineProvider, { tag: tag.tag, registry: s.registry, endpoint: o.endpoint });
      return outcomeOf(r.outcome, `${r.outcome} ${r.digest.slice(0, 19)}…`);
    },
    uri: uriOf,
  };
}

/**
 * The image `up --dry-run` compares with: the --image given, else the tag a build of the context
 * would push (as `up` chooses it). When the context cannot be read (`up` would stop there with
 * exit 2), the image recorded last, and `unbuildable` says why.
 */
export async function planImage(
  s: UpSettings & { readonly platformChoice?: PlatformChoice },
  o: { readonly endpoint?: string } = {},
): Promise<{ readonly uri: (ctx: StepContext) => string; readonly unbuildable?: string }> {
  try {
    const hooks = await prepareImage(s, o);
    return { uri: (ctx) => (ctx.state.current.repository ? hooks.uri(ctx) : imageOf(ctx.state.current)) };
  } catch (e) {
    const why = `${(e as Error).message}; comparing with the image recorded last (up would stop here)`;
    return { uri: (ctx) => imageOf(ctx.state.current), unbuildable: why };
  }
}

const imageOf = (state: State): string => state.image?.uri ?? '(no image recorded)';
