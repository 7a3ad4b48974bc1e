/** Kept in step with package.json by test/unit/version.test.ts; read without loading JSON at start-up. */
export const VERSION = '0.1.0';
