/**
 * Runs one organisation's API: reads the configuration, connects to the
 * organisation's peer, and listens (HTTPS when LOTLINE_API_TLS_CERT and
 * LOTLINE_API_TLS_KEY are set; a non-loopback address without them is
 * refused with exit code 2 unless LOTLINE_API_BEHIND_TLS_PROXY=1).
 *
 * Every setting comes from the environment (gateway-api/src/config.ts). On the
 * local network, `npm start` writes them to `<dataDir>/orgs/<org>/api.env`:
 *
 *   npx tsx --env-file=.lotline/orgs/partsco/api.env gateway-api/src/main.ts
 */
import { pino } from 'pino';
import { createServer } from './app';
import { ConfigError, loadApiConfig } from './config';
import { buildDependencies } from './dependencies';
import { createMetrics } from './http/metrics';
import { startApiServer } from './http/server';

async function main(): Promise<void> {
  let config;
  try {
    config = loadApiConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  const logger = pino({
    level: config.logLevel,
    base: { org: config.org.name },
    redact: ['authorization', '*.authorization', '*.privateKey'],
  });
  const built = buildDependencies(config, logger, { metrics: createMetrics({ defaultMetrics: true }) });
  let server;
  try {
    ({ server } = await startApiServer(createServer(built.deps), { listen: config.listen, maxHeaderSize: config.maxHeaderSize }, logger));
  } catch (error) {
    logger.fatal({ err: error }, 'cannot listen');
    built.close();
    process.exit(1);
  }
  logger.info(
    {
      host: config.listen.host,
      port: config.listen.port,
      scheme: config.listen.tls !== undefined ? 'https' : 'http',
      peer: config.peer.endpoint,
      issuer: config.auth.issuer,
    },
    'Lotline API listening',
  );
  server.on('error', (error) => {
    logger.fatal({ err: error }, 'server error');
    process.exit(1);
  });
  const stop = (signal: string): void => {
    logger.info({ signal }, 'shutting down');
    server.close(() => {
      built.close();
      process.exit(0);
    });
    server.closeAllConnections();
    setTimeout(() => process.exit(0), 5000).unref();
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((error: unknown) => {
  process.stderr.write(`gateway-api failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
