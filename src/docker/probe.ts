/**
 * For `doctor`: whether the Docker engine answers, and which CPU architecture it builds for.
 * Never throws; an engine that is not there becomes the same message and hint the image commands give.
 */
import { EcsctlError } from '../errors.js';
import { connectEngine } from './engine.js';

export async function probeEngine(): Promise<{ arch?: string; error?: string; fix?: string }> {
  try {
    const engine = await connectEngine({ timeoutMs: 3_000 });
    const version = await engine.version();
    return { arch: version.Arch };
  } catch (e) {
    if (e instanceof EcsctlError) return { error: e.message, ...(e.hint ? { fix: e.hint } : {}) };
    return { error: e instanceof Error ? e.message.split('\n')[0] : String(e) };
  }
}
