import { Option, type Command } from 'commander';
import { UsageError } from '../../errors.js';
import type { S3Backend } from '../../state/s3-backend.js';
import { examples, globalsOf, runCommand } from './common.js';

export function registerState(program: Command): void {
  const state = program
    .command('state')
    .description('Look at the state, move it into S3 for a team, or free a lock left by a killed process.')
    .addHelpText('after', examples('state show --state s3://team-state/web.json', 'state unlock --yes'));

  state
    .command('show')
    .description('Print the state (local file or s3:// object) as JSON, without taking the lock.')
    .addHelpText('after', examples('state show', 'state show --state s3://team-state/web.json'))
    .action(async (_opts: object, cmd: Command) => {
      await runCommand(globalsOf(cmd), {
        command: 'state show',
        local: async (globals, io) => {
          const { processDeps, stateBackend } = await import('../run.js');
          const { showState } = await import('../../state/admin.js');
          return showState(await stateBackend(globals, processDeps, io.terminal));
        },
        render: (s) => JSON.stringify(s, null, 2),
      });
    });

  state
    .command('unlock')
    .description(
      'Remove the lock of an s3:// state after showing who held it (destructive: needs --yes when stdin is not a terminal).',
    )
    .addHelpText(
      'after',
      examples('state unlock --state s3://team-state/web.json', 'state unlock --state s3://team-state/web.json --yes'),
    )
    .action(async (_opts: object, cmd: Command) => {
      await runCommand(globalsOf(cmd), {
        command: 'state unlock',
        local: async (globals, io) => {
          const { isS3Url } = await import('../../state/location.js');
          if (!isS3Url(globals.statePath)) {
            throw new UsageError('state unlock works on an s3:// --state', {
              hint: 'A local lock whose process has died is taken over by the next command by itself.',
            });
          }
          if (!globals.yes && process.stdin.isTTY !== true) {
            throw new UsageError('state unlock removes a lock and stdin is not a terminal to confirm', {
              hint: 'Re-run with --yes.',
            });
          }
          const { processDeps, stateBackend } = await import('../run.js');
          const { unlockState } = await import('../../state/admin.js');
          const backend = await stateBackend(globals, processDeps, io.terminal);
          return unlockState(backend as S3Backend, async (holder) => {
            io.terminal.line(`${globals.statePath} is locked by ${holder}`);
            return (
              globals.yes || processDeps.confirm('Remove this lock? Only do so if that command is no longer running.')
            );
          });
        },
        render: (r) => renderUnlockLazy(r),
      });
    });

  state
    .command('migrate')
    .description(
      'Copy the local state (--state, default ./ecsctl.state.json) to an s3:// object under its lock; an existing object is refused unless --force.',
    )
    .addOption(new Option('--to <url>', 'The s3://BUCKET/KEY to copy the state to (required).'))
    .addOption(new Option('--force', 'Replace an existing object at --to (default: refuse).'))
    .addHelpText(
      'after',
      examples(
        'state migrate --to s3://team-state/web.json',
        'state migrate --state ./web.json --to s3://team-state/web.json --force',
      ),
    )
    .action(async (opts: { to?: string; force?: boolean }, cmd: Command) => {
      await runCommand(globalsOf(cmd), {
        command: 'state migrate',
        local: async (globals, io) => {
          const { isS3Url, parseS3Url } = await import('../../state/location.js');
          if (opts.to === undefined) throw new UsageError('state migrate needs --to s3://BUCKET/KEY');
          const where = parseS3Url(opts.to, '--to');
          if (isS3Url(globals.statePath))
            throw new UsageError('state migrate copies a local --state; this one is already in S3');
          const { processDeps, stateBackend } = await import('../run.js');
          const { openS3Backend } = await import('../../state/open-s3.js');
          const { migrateState } = await import('../../state/admin.js');
          const { VERSION } = await import('../../version.js');
          const local = await stateBackend(globals, processDeps, io.terminal);
          const target = await openS3Backend(
            globals,
            { warn: (m) => io.terminal.line(`! ${m}`), userAgent: `ecsctl/${VERSION}` },
            where,
          );
          return migrateState(local, target, opts.force === true);
        },
        render: (r) => renderMigrateLazy(r),
      });
    });
}

// Render functions must be synchronous; these mirror state/admin.ts without importing it for --help.
function renderUnlockLazy(r: {
  unlocked: boolean;
  location: string;
  holder?: { user?: string; host: string; pid: number; command: string };
}): string {
  if (!r.unlocked) return `${r.location} is not locked`;
  const h = r.holder;
  return `removed the lock on ${r.location}${h ? ` held by ${h.user ? `${h.user}@` : ''}${h.host} pid ${h.pid} (${h.command})` : ''}`;
}

function renderMigrateLazy(r: { from: string; to: string; stack: string }): string {
  return [
    `copied stack ${r.stack} from ${r.from} to ${r.to}`,
    `From now on pass --state ${r.to} (or set ECSCTL_STATE=${r.to}); ${r.from} is no longer used and can be archived.`,
  ].join('\n');
}
