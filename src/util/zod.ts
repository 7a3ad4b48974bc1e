/**
 * The one place ecsctl gets zod from: its functional build, `zod/mini`, with zod's English messages.
 * Import it as a namespace (`import * as z`), never `{ z }`: the bundler then keeps only the
 * functions the schemas call.
 *
 * `import { z } from 'zod'` keeps every method of every schema class alive, so the bundled package
 * carried ~470 KB of zod that each command compiled before its first AWS call; `zod/mini` is the
 * same package and version, and tree-shakes to what is used. Unlike `zod`, it loads no locale, so
 * every issue would read "Invalid input": the English locale set here is the one `zod` installs,
 * so the messages users see (bad --config, state or task-definition file) are word for word what
 * they were. Schemas take zod from here, never from zod itself, so the locale is set before
 * anything is parsed.
 */
import { config } from 'zod/mini';
import en from 'zod/v4/locales/en.js';

config(en());

export * from 'zod/mini';
