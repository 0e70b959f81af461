/**
 * Variant (a): the same CreateLot through the organisation's HTTP API, as a
 * separate process (`gateway-api/src/main.ts`, started by the network's
 * `startApis`, exactly as deployed), with a real ES256 token that the API
 * verifies on every request. HTTP keep-alive comes from Node's fetch pool.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { prepareApi } from '../../network/src/api';
import { findOrg, port, type NetworkConfig, type Org } from '../../network/src/config';
import { apiProcessName, apiUrl, startApiProcess, startApis } from '../../network/src/network';
import { runningPid, stopProcess } from '../../network/src/processes';
import { mintToken } from '../../network/src/idp/local';
import { processCpuMs } from './rss';
import { twoInputLot, type WriteVariant } from './writes';

/** The API variant, if the API exists, and how to stop what was started for it. */
export interface ApiVariant {
  variant?: (pairs: [string, string][]) => WriteVariant;
  note: string;
  stop(): Promise<void>;
}

/** Starts the APIs (unless they run) and returns the variant that writes through PartsCo's. */
export async function startApiVariant(config: NetworkConfig, runId: string, orgRef = 'PartsCo', user = 'admin1'): Promise<ApiVariant> {
  if (!existsSync(path.join(config.repoRoot, 'gateway-api', 'src', 'main.ts'))) {
    return { note: 'gateway-api/src/main.ts does not exist', stop: () => Promise.resolve() };
  }
  const org = findOrg(config, orgRef);
  const wasRunning = config.orgs.filter((o) => runningPid(config, apiProcessName(o)) !== undefined).map((o) => o.key);
  await startApis(config);
  const token = await mintToken(config, { org: org.name, user });
  const url = `${apiUrl(org)}/lots`;
  const pid = runningPid(config, apiProcessName(org));
  return {
    note: `through ${apiUrl(org)} (separate process)`,
    variant: (pairs) => ({
      key: 'api',
      label: '(a) CreateLot via the HTTP API (JWT verified)',
      chaincode: config.chaincode,
      serverCpuMs: () => (pid === undefined ? Number.NaN : processCpuMs(pid)),
      async op(i, worker) {
        const lot = twoInputLot(org.mspId, `${runId}-api-${i}`, pairs[worker] as [string, string]);
        const res = await fetch(url, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify(lot),
          signal: AbortSignal.timeout(120_000),
        });
        const text = await res.text();
        if (res.status !== 201) throw new Error(`HTTP ${res.status}: ${text.slice(0, 200)}`);
      },
    }),
    async stop() {
      for (const o of config.orgs) if (!wasRunning.includes(o.key)) await stopProcess(config, apiProcessName(o));
    },
  };
}

/** A second API process of one organisation whose read model is on a PostgreSQL server. */
export interface PostgresApi {
  /** Its base URL (same scheme as the organisation's own API). */
  readonly url: string;
  stop(): Promise<void>;
}

/**
 * Starts a second API for `org` on port API + 200 (+6200 with the bench's offset), with its read model on the
 * PostgreSQL server at `databaseUrl` (schema `schema`) instead of PGlite: the same code path, configured only by
 * `LOTLINE_READ_DB_URL`, as an organisation that outgrew the embedded store would run it. It indexes from block 0,
 * as any new read model does. Its own process name (`api-<org>-postgres`), so `npm stop` stops it too.
 */
export async function startPostgresApi(config: NetworkConfig, org: Org, databaseUrl: string, schema: string): Promise<PostgresApi> {
  const apiPort = port(org, 'api') + 200;
  const url = `${org.apiTls ? 'https' : 'http'}://${org.host}:${apiPort}`;
  const name = `api-${org.key}-postgres`;
  const env = await prepareApi(config, org);
  delete env.LOTLINE_READ_DB_DIR;
  await startApiProcess(
    config,
    org,
    { ...env, LOTLINE_API_PORT: String(apiPort), LOTLINE_READ_DB_URL: databaseUrl, LOTLINE_READ_DB_SCHEMA: schema },
    // Not `LOTLINE_API=<org>`: the organisation's own API process is found by that marker.
    { name, marker: `LOTLINE_BENCH_POSTGRES_API=${org.key}`, url, what: `${org.name} API on PostgreSQL (bench)`, readyTimeoutSec: 120 },
  );
  return {
    url,
    async stop() {
      await stopProcess(config, name);
    },
  };
}
