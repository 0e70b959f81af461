/** Prometheus metrics of one API instance (its own registry, so several apps can live in one process). */
import type { NextFunction, Request, Response } from 'express';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

export interface Metrics {
  readonly registry: Registry;
  readonly peerReady: Gauge;
  /** Express middleware that records every response. */
  middleware(req: Request, res: Response, next: NextFunction): void;
}

export function createMetrics(options: { defaultMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  if (options.defaultMetrics) collectDefaultMetrics({ register: registry });
  const requests = new Counter({
    name: 'lotline_api_requests_total',
    help: 'HTTP requests by route and status',
    labelNames: ['method', 'route', 'status'],
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'lotline_api_request_duration_seconds',
    help: 'HTTP request duration by route',
    labelNames: ['method', 'route'],
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30],
    registers: [registry],
  });
  const peerReady = new Gauge({
    name: 'lotline_api_peer_ready',
    help: '1 when the last readiness probe reached the peer',
    registers: [registry],
  });
  return {
    registry,
    peerReady,
    middleware(req, res, next) {
      const end = duration.startTimer();
      res.on('finish', () => {
        const route = typeof res.locals.route === 'string' ? res.locals.route : 'unmatched';
        requests.inc({ method: req.method, route, status: String(res.statusCode) });
        end({ method: req.method, route });
      });
      next();
    },
  };
}
