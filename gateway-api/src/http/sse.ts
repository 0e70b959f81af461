/** Server-sent event streams: the one way a route opens one. */
import type { Response } from 'express';

/**
 * Answers 200 `text/event-stream` (not cached, not buffered by a proxy), tells the client to reconnect after 2 s,
 * and sends a first comment; `id` (the last event the stream is at) lets a reconnect resume with `Last-Event-ID`.
 */
export function openEventStream(res: Response, id?: string | number): void {
  res.status(200).set({
    'Content-Type': 'text/event-stream; charset=utf-8',
    'Cache-Control': 'no-cache, no-transform',
    Connection: 'keep-alive',
    'X-Accel-Buffering': 'no',
  });
  res.flushHeaders();
  res.write(`retry: 2000\n${id !== undefined ? `id: ${id}\n` : ''}: connected\n\n`);
}
