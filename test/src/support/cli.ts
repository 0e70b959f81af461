/**
 * The `lotline` CLI run in-process, as a test drives it: its stdout captured,
 * its exit code returned, and the environment it was given restored after.
 */
import { runCli } from '../../../clients/src/cli/main';

/** Runs `lotline <args>` with `env` added to the environment; resolves to its exit code and stdout. */
export async function cli(args: string[], env: Record<string, string> = {}): Promise<{ code: number; out: string }> {
  const write = process.stdout.write.bind(process.stdout);
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  Object.assign(process.env, env);
  let out = '';
  process.stdout.write = ((chunk: string | Uint8Array) => {
    out += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString();
    return true;
  }) as typeof process.stdout.write;
  process.exitCode = undefined;
  try {
    return { code: await runCli(['node', 'lotline', ...args]), out };
  } finally {
    process.stdout.write = write;
    process.exitCode = undefined;
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}
