/**
 * Variant (a): the same CreateLot through the organisation's HTTP API, as a
 * separate process (`gateway-api/src/main.ts`, started by the network's
 * `startApis`, exactly as deployed), with a real ES256 token that the API
 * verifies on every request. HTTP keep-alive comes from Node's fetch pool.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { findOrg, type NetworkConfig } from '../../network/src/config';
import { apiProcessName, apiUrl, startApis } from '../../network/src/network';
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
