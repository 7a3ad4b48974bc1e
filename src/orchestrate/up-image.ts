/**
 * The image part of `up`: with --image, record that image; otherwise build from the context and
 * push with ECR credentials, through the same step functions as `image build` / `image push`.
 * The context is read and the tag decided before anything else, so a missing context exits 2
 * before the lock, the state or any AWS call.
 */
import type { BuildContext } from '../docker/context.js';
import type { TagChoice } from '../docker/tag.js';
import type { StepContext } from '../steps/context.js';
import type { ImageHooks } from './up.js';
import { outcomeOf } from './graph.js';
import type { UpSettings } from './settings.js';

export async function prepareImage(s: UpSettings): Promise<ImageHooks> {
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
  const { chooseTag, engineProvider } = await import('../docker/choose.js');
  const context: BuildContext = await readContext(s.context, s.dockerfile);
  const tag: TagChoice = await chooseTag(s.tag, s.context, context);
  const uriOf = (ctx: StepContext) => `${ctx.state.current.repository!.uri}:${tag.tag}`;
  return {
    async build(ctx) {
      const { buildImage } = await import('../steps/image/image.js');
      const r = await buildImage(ctx, engineProvider, { context, tag });
      return outcomeOf('built', `built ${r.tag} (${r.files} files)`);
    },
    async push(ctx) {
      const { pushImage } = await import('../steps/image/image.js');
      const r = await pushImage(ctx, engineProvider, { tag: tag.tag, registry: s.registry });
      return outcomeOf(r.outcome, `${r.outcome} ${r.digest.slice(0, 19)}…`);
    },
    uri: uriOf,
  };
}
