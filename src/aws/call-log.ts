/**
 * --verbose: one stderr line per AWS call with the service, the operation, the time it took,
 * the attempts and the error name. Never the request, the response, a header or a credential.
 */
export function callLogger(log: (line: string) => void) {
  return (
      next: (args: unknown) => Promise<{ output?: { $metadata?: { attempts?: number } } }>,
      context: { clientName?: string; commandName?: string },
    ) =>
    async (args: unknown) => {
      const started = performance.now();
      const service = (context.clientName ?? 'AWS').replace(/Client$/, '');
      const op = (context.commandName ?? 'call').replace(/Command$/, '');
      try {
        const result = await next(args);
        const attempts = result.output?.$metadata?.attempts ?? 1;
        log(
          `aws ${service} ${op} ${Math.round(performance.now() - started)}ms${attempts > 1 ? ` (${attempts} attempts)` : ''}`,
        );
        return result;
      } catch (e) {
        const name = (e as { name?: string }).name ?? 'Error';
        log(`aws ${service} ${op} ${Math.round(performance.now() - started)}ms failed: ${name}`);
        throw e;
      }
    };
}
