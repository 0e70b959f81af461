/**
 * Step-by-step progress on stderr, with elapsed times, so that long operations
 * (a cold Fabric build, a bring-up) never look stuck.
 */

const started = Date.now();

function elapsed(): string {
  return `${((Date.now() - started) / 1000).toFixed(1).padStart(6)}s`;
}

/** Prints one progress line. */
export function step(message: string): void {
  process.stderr.write(`[lotline ${elapsed()}] ${message}\n`);
}

/** Prints an indented detail line under the current step. */
export function detail(message: string): void {
  process.stderr.write(`                 ${message}\n`);
}

/**
 * Runs `work`, printing a heartbeat every `everyMs` with the latest status
 * that `work` reports, until it settles.
 */
export async function withHeartbeat<T>(
  label: string,
  work: (report: (status: string) => void) => Promise<T>,
  everyMs = 10_000,
): Promise<T> {
  const begun = Date.now();
  let status = '';
  const timer = setInterval(() => {
    const secs = Math.round((Date.now() - begun) / 1000);
    detail(`${label}: still working after ${secs}s${status ? ` (${status})` : ''}`);
  }, everyMs);
  try {
    return await work((s) => {
      status = s;
    });
  } finally {
    clearInterval(timer);
  }
}

/** An error whose message already says what to do next; the CLI prints it without a stack. */
export class ActionableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ActionableError';
  }
}
