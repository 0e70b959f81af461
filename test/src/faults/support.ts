/**
 * Helpers for the fault tests: who leads Raft, block heights from the peers'
 * metrics, an open-loop writer that records every acknowledged write, and a
 * read-back of those writes through another organisation's peer.
 */
import type { Contract } from '@hyperledger/fabric-gateway';
import { opsUrl, type NetworkConfig, type Org } from '../../../network/src/config';
import { connectOrg } from '../../../network/src/peer-access';
import { ordererOrgs } from '../../../network/src/nodes';
import { pollUntil } from '../../../network/src/processes';
import { recordingContract } from '../support/acknowledged';

/** The orderer organisation whose node reports itself Raft leader of the channel, if any. */
export async function raftLeader(config: NetworkConfig): Promise<Org | undefined> {
  const re = new RegExp(`^consensus_etcdraft_is_leader\\{channel="${config.channel}"\\} 1$`, 'm');
  for (const org of ordererOrgs(config)) {
    try {
      const res = await fetch(opsUrl(org, 'ordererOps', '/metrics'), { signal: AbortSignal.timeout(2000) });
      if (re.test(await res.text())) return org;
    } catch {
      // down: try the next one
    }
  }
  return undefined;
}

/** A peer's block height on the channel (from its metrics), or undefined when it does not answer. */
export async function blockHeight(config: NetworkConfig, org: Org): Promise<number | undefined> {
  try {
    const res = await fetch(opsUrl(org, 'peerOps', '/metrics'), { signal: AbortSignal.timeout(2000) });
    const m = new RegExp(`^ledger_blockchain_height\\{channel="${config.channel}"\\} (\\d+)$`, 'm').exec(await res.text());
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** Waits until every peer reports the same height; returns the heights. */
export async function waitForEqualHeights(config: NetworkConfig, timeoutSec: number): Promise<Map<string, number | undefined>> {
  let heights = new Map<string, number | undefined>();
  await pollUntil(
    async () => {
      heights = new Map(await Promise.all(config.orgs.map(async (o) => [o.key, await blockHeight(config, o)] as const)));
      const values = [...heights.values()];
      return values.every((v) => v !== undefined && v === values[0]);
    },
    timeoutSec,
    250,
  );
  return heights;
}

/** One acknowledged write. */
export interface Ack {
  id: string;
  startedAt: number;
  ackedAt: number;
}

/**
 * Starts writes at a fixed rate (open loop), at most `maxInFlight` at once and
 * `maxWrites` in all, each with its own id, and records the acknowledged ones.
 * Failures are counted, not retried: a failed write was never acknowledged.
 */
export class OpenLoopWriter {
  readonly acks: Ack[] = [];
  readonly failures = new Map<string, number>();
  started = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly write: (id: string) => Promise<void>,
    private readonly options: { ratePerSec: number; maxInFlight: number; maxWrites: number; idPrefix: string },
  ) {}

  start(): void {
    this.timer = setInterval(() => this.tick(), 1000 / this.options.ratePerSec);
  }

  private tick(): void {
    if (this.started >= this.options.maxWrites || this.inFlight.size >= this.options.maxInFlight) return;
    const id = `${this.options.idPrefix}-${this.started++}`;
    const startedAt = Date.now();
    const p = this.write(id).then(
      () => {
        this.acks.push({ id, startedAt, ackedAt: Date.now() });
      },
      (err: unknown) => {
        const text = (err instanceof Error ? `${err.name}: ${err.message}` : String(err)).split('\n')[0]?.slice(0, 160) ?? 'error';
        this.failures.set(text, (this.failures.get(text) ?? 0) + 1);
      },
    );
    const tracked = p.finally(() => this.inFlight.delete(tracked));
    this.inFlight.add(tracked);
  }

  /** Stops starting writes and waits (at most `graceMs`) for those in flight. */
  async stop(graceMs = 70_000): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await Promise.race([Promise.allSettled([...this.inFlight]), new Promise((r) => setTimeout(r, graceMs))]);
  }

  /** The first acknowledgement of a write started at or after `since` (epoch ms). */
  firstAckStartedAfter(since: number): Ack | undefined {
    return this.acks.filter((a) => a.startedAt >= since).sort((a, b) => a.ackedAt - b.ackedAt)[0];
  }

  failureCount(): number {
    return [...this.failures.values()].reduce((a, b) => a + b, 0);
  }
}

/** Reads every id back with `read` (bounded concurrency); returns the ids that could not be read. */
export async function missingAfterReadBack(
  ids: readonly string[],
  read: (id: string) => Promise<boolean>,
  concurrency = 8,
): Promise<string[]> {
  const missing: string[] = [];
  let next = 0;
  const worker = async () => {
    while (next < ids.length) {
      const id = ids[next++] as string;
      let ok = false;
      for (let attempt = 0; attempt < 3 && !ok; attempt++) {
        try {
          ok = await read(id);
        } catch {
          ok = false;
        }
      }
      if (!ok) missing.push(id);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return missing;
}

/** A contract over a connection that the caller closes. */
export interface FaultConnection {
  contract: Contract;
  close(): void;
}

/** A gateway connection with short deadlines, so a write lost with a killed node fails within ~20 s instead of hanging. */
export function faultConnection(config: NetworkConfig, org: Org, user: string, contractName?: string): FaultConnection {
  const conn = connectOrg(org, user, { deadlines: { evaluateMs: 10_000, endorseMs: 15_000, submitMs: 10_000, commitStatusMs: 20_000 } });
  return {
    contract: recordingContract(conn.gateway.getNetwork(config.channel).getContract(config.chaincode, contractName)),
    close: () => conn.close(),
  };
}
