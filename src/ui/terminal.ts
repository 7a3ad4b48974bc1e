/**
 * The one writer of stderr while a command runs. On a terminal it may hold a live block (the
 * progress of `up`/`down`) at the bottom of the screen; every other line — warnings, info,
 * `--verbose` call lines — is written above the block, which is then redrawn below it, so no
 * redraw ever overwrites a line that was written between two redraws.
 */
export interface Terminal {
  /** Whether a live block may be redrawn in place (see reporter.isInteractive). */
  readonly interactive: boolean;
  /** Screen width for truncating block lines. */
  readonly columns: number;
  /** One line of narration (no trailing newline needed); above the live block if there is one. */
  line(text: string): void;
  /** Replaces the live block with these lines (interactive only; otherwise ignored). */
  block(lines: readonly string[]): void;
  /** Leaves the block on the screen as it is; later lines go below it. */
  release(): void;
}

/** Moves the cursor to the block's first line and clears from there to the end of the screen. */
const erase = (lines: number) => (lines > 0 ? `\x1b[${lines}A\r\x1b[J` : '');

export function terminal(o: { interactive: boolean; stream?: NodeJS.WritableStream & { columns?: number } }): Terminal {
  const out = o.stream ?? process.stderr;
  let shown: readonly string[] = [];
  const draw = (lines: readonly string[]) => lines.map((l) => `${l}\n`).join('');
  return {
    interactive: o.interactive,
    get columns() {
      return out.columns || 120;
    },
    line(text) {
      const line = text.endsWith('\n') ? text : `${text}\n`;
      // One write, so nothing else lands between the erase and the redraw.
      out.write(shown.length ? `${erase(shown.length)}${line}${draw(shown)}` : line);
    },
    block(lines) {
      if (!o.interactive) return;
      out.write(`${erase(shown.length)}${draw(lines)}`);
      shown = [...lines];
    },
    release() {
      shown = [];
    },
  };
}
