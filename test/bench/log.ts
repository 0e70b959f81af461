/** Progress lines of the benchmark and fault runners, with elapsed seconds. */
const t0 = Date.now();

/** Prints one progress line to stderr. */
export function progress(message: string): void {
  process.stderr.write(`[bench ${((Date.now() - t0) / 1000).toFixed(1).padStart(6)}s] ${message}\n`);
}
