/**
 * Shared by the image commands and `up`: the tag an image gets when none is given, and the engine
 * connection made only once the state has been checked.
 */
import { UsageError } from '../errors.js';
import type { BuildContext } from './context.js';
import type { TagChoice } from './tag.js';

/** DOCKER_HOST is checked at once (exit 2); the engine is asked only when a step needs it. */
export async function checkEngineAddress(): Promise<void> {
  (await import('./engine.js')).checkDockerHost();
}

/** Connects to the engine only when a step needs it (no repository recorded → exit 2 first). */
export async function engineProvider() {
  return (await import('./engine.js')).connectEngine();
}

/** --tag when given, else the reproducible default computed from the context. */
export async function chooseTag(flag: string | undefined, contextDir: string, read?: BuildContext): Promise<TagChoice> {
  if (flag) return { tag: flag, rule: 'flag' };
  const { readContext } = await import('./context.js');
  const { defaultTag } = await import('./tag.js');
  const context =
    read ??
    (await readContext(contextDir, null).catch((e: unknown) => {
      throw e instanceof UsageError ? new UsageError(`${e.message} (needed for the default tag; or pass --tag)`) : e;
    }));
  return defaultTag(context);
}
