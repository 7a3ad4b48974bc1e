/**
 * The root command: global options and one registration per resource. Registration only
 * declares commands; step modules and the AWS SDK are imported when a command runs, so
 * `--help` and `--version` load neither.
 */
import { Command, Option } from 'commander';
import { VERSION } from '../version.js';
import { registerCluster } from './commands/cluster.js';
import { registerLogs } from './commands/logs.js';
import { registerLb } from './commands/lb.js';
import { registerInstances } from './commands/instances.js';
import { registerImage } from './commands/image.js';
import { registerRepo } from './commands/repo.js';
import { registerService } from './commands/service.js';
import { registerTaskdef } from './commands/taskdef.js';
import { registerUp } from './commands/up.js';
import { registerDown } from './commands/down.js';
import { registerStatus } from './commands/status.js';
import { registerCompletion } from './commands/completion.js';
import { registerRun } from './commands/run.js';
import { registerDoctor } from './commands/doctor.js';
import { suggestClosestOptions } from './suggest.js';
import { registerState } from './commands/state.js';

export function buildProgram(): Command {
  const program = new Command('ecsctl')
    .description(
      'From a Dockerfile to a load-balanced web service on Amazon ECS (EC2 launch type) and back to nothing.',
    )
    .version(VERSION, '-V, --version', 'Print the version of ecsctl and exit.')
    .helpOption('-h, --help', 'Show help for a command.')
    .helpCommand('help [command]', 'Show help for a command.')
    .addOption(
      new Option(
        '--state <file>',
        'Path of the state file that records every resource of the stack, or s3://BUCKET/KEY to share it with a team (default: ./ecsctl.state.json, env ECSCTL_STATE).',
      ),
    )
    .addOption(
      new Option(
        '--state-kms-key <key>',
        'KMS key ID, ARN or alias to encrypt an s3:// state with SSE-KMS (default: SSE-S3, env ECSCTL_STATE_KMS_KEY).',
      ),
    )
    .addOption(
      new Option(
        '--name <stack>',
        'Name of the stack, given once and then kept in the state file (2-28 characters: a-z, 0-9, single hyphens).',
      ),
    )
    .addOption(
      new Option(
        '--region <region>',
        'AWS Region to work in (default: AWS_REGION, AWS_DEFAULT_REGION, the state file, then the profile).',
      ),
    )
    .addOption(
      new Option(
        '--profile <profile>',
        'Named AWS profile to take credentials from (default: the SDK credential chain).',
      ),
    )
    .addOption(
      new Option(
        '--endpoint-url <url>',
        'Send every AWS call to this endpoint, e.g. a moto or LocalStack server (env AWS_ENDPOINT_URL).',
      ),
    )
    .addOption(
      new Option('--json', 'Print exactly one JSON document with the result on stdout; progress stays on stderr.'),
    )
    .addOption(
      new Option(
        '-y, --yes',
        'Do not ask for confirmation; required for delete and down when stdin is not a terminal.',
      ),
    )
    .addOption(
      new Option(
        '-v, --verbose',
        'Print one stderr line per AWS call (service, operation, milliseconds) and stack traces on errors.',
      ),
    )
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({ outputError: (str, write) => write(`${str.trim().replace(/\s*\n\s*/g, ' ')} (try --help)\n`) })
    .addHelpText(
      'after',
      `
Steps, in walkthrough order:
  repo → image → cluster → instances → taskdef → lb → service      (or all of them: up)

Exit codes: 0 ok, 1 an operation failed, 2 usage or invalid input, 3 state file problem,
4 timed out waiting, 5 \`up --dry-run --detailed-exitcode\` would change something, 130 interrupted.

Examples:
  ecsctl repo create --name web --region us-east-1
  ecsctl cluster show --json`,
    );

  registerRepo(program);
  registerImage(program);
  registerCluster(program);
  registerInstances(program);
  registerTaskdef(program);
  registerLb(program);
  registerService(program);
  registerUp(program);
  registerDown(program);
  registerStatus(program);
  registerLogs(program);
  registerRun(program);
  registerDoctor(program);
  registerState(program);
  registerCompletion(program);
  suggestClosestOptions(program);
  return program;
}
