/**
 * Reads a JSON input file named by a flag (--file, --config) and checks it against a schema. Every
 * problem becomes a one-line UsageError naming the flag and the file, before any AWS call.
 */
import { readFile } from 'node:fs/promises';
import type * as z from './zod.js';
import { UsageError } from '../errors.js';

export async function readJsonFile<T>(
  path: string,
  flag: string,
  schema: z.ZodMiniType<T>,
  /** Phrases the first schema problem, e.g. "is not a task definition: containerDefinitions: …". */
  describe: (issue: z.core.$ZodIssue) => string,
): Promise<T> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UsageError(
      `${flag} ${path}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : (e as Error).message}`,
    );
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`${flag} ${path} is not valid JSON: ${(e as Error).message.split('\n')[0]}`);
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw new UsageError(`${flag} ${path}${describe(parsed.error.issues[0]!)}`);
  return parsed.data;
}

/** "containerDefinitions.0.name" or "top level". */
export const issuePath = (issue: z.core.$ZodIssue): string => issue.path.join('.') || 'top level';
