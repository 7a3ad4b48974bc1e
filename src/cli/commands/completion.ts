import { Argument, type Command } from 'commander';
import { examples, globalsOf, runCommand } from './common.js';

export function registerCompletion(program: Command): void {
  program
    .command('completion')
    .description('Print a shell completion script for bash, zsh or fish, generated from the commands themselves.')
    // commander checks the choice: anything else is one line on stderr and exit 2.
    .addArgument(new Argument('<shell>', 'Shell to complete for: bash, zsh or fish.').choices(['bash', 'zsh', 'fish']))
    .addHelpText(
      'after',
      `
Install it once, then open a new shell:
  bash  ecsctl completion bash > ~/.local/share/bash-completion/completions/ecsctl
  zsh   ecsctl completion zsh > "\${fpath[1]}/_ecsctl"
  fish  ecsctl completion fish > ~/.config/fish/completions/ecsctl.fish
${examples('completion bash > ~/.local/share/bash-completion/completions/ecsctl', 'completion fish | source')}`,
    )
    .action(async (shell: 'bash' | 'zsh' | 'fish', _opts: object, cmd: Command) => {
      const { completionScript } = await import('../completion.js');
      // The root program, so the script covers every command, not only this one's siblings.
      let root = cmd;
      while (root.parent) root = root.parent;
      await runCommand(globalsOf(cmd), {
        command: 'completion',
        local: async () => completionScript(root, shell),
        render: (script) => script,
        plainText: true,
      });
    });
}
