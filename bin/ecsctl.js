#!/usr/bin/env node
// The built CLI lives in dist/ (npm run build). Kept tiny: everything heavy loads per command.
const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
  // Answered before the command tree (commander, every command's flags) is even loaded.
  const { VERSION } = await import('../dist/version.js');
  process.stdout.write(`${VERSION}\n`);
} else {
  await import('../dist/bin.js');
}
