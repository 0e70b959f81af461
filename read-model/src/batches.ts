/**
 * Read-ahead for the block feed: blocks that arrive while a batch is being
 * applied form the next batch, so that catching up applies many blocks per
 * database transaction, and a live feed (one block at a time) still applies
 * each block as soon as it arrives.
 */

/**
 * Groups of at most `max` items of `source`, each group being everything the
 * source delivered since the previous group was taken (never an empty group).
 * The source is read ahead by at most `2 × max` items. When the consumer
 * stops, the source is left to its own cancellation (its AbortSignal): a
 * pending read cannot be cancelled from here.
 */
export async function* inBatches<T>(source: AsyncIterable<T>, max: number): AsyncGenerator<T[]> {
  const iterator = source[Symbol.asyncIterator]();
  const buffer: T[] = [];
  let ended = false;
  let failure: { readonly error: unknown } | undefined;
  let arrived: (() => void) | undefined;
  let drained: (() => void) | undefined;
  const signalArrival = (): void => {
    arrived?.();
    arrived = undefined;
  };
  const pump = async (): Promise<void> => {
    try {
      for (;;) {
        while (buffer.length >= 2 * max) await new Promise<void>((resolve) => (drained = resolve));
        const next = await iterator.next();
        if (next.done === true) break;
        buffer.push(next.value);
        signalArrival();
      }
    } catch (error) {
      failure = { error };
    } finally {
      ended = true;
      signalArrival();
    }
  };
  void pump();
  for (;;) {
    if (buffer.length === 0) {
      if (failure !== undefined) throw failure.error;
      if (ended) return;
      await new Promise<void>((resolve) => (arrived = resolve));
      // Let the source deliver what it already has (messages read in the same turn) before taking the batch.
      await new Promise((resolve) => setImmediate(resolve));
      continue;
    }
    const batch = buffer.splice(0, max);
    drained?.();
    drained = undefined;
    yield batch;
  }
}
