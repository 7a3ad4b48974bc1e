#!/usr/bin/env node
// Kept tiny: everything heavy loads per command. A source checkout runs the developer build
// (dist/, `npm run build`); the installed package has no dist/ and runs the bundle (pkg/,
// `npm run package`).
import { existsSync } from 'node:fs';

const build = existsSync(new URL('../dist/bin.js', import.meta.url)) ? '../dist' : '../pkg';
const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
  // Answered before the command tree (commander, every command's flags) is even loaded.
  const { VERSION } = await import(`${build}/version.js`);
  process.stdout.write(`${VERSION}\n`);
} else {
  await import(`${build}/bin.js`);
}
