/**
 * Where the time of a chaincode call goes, from the peer's own Prometheus
 * metrics: proposal duration at the peer, and the count and peer-side
 * duration of every shim request (GET_STATE, GET_STATE_BY_RANGE, …) that the
 * chaincode made. Differences of two scrapes cover exactly the calls in between.
 */
import { opsUrl, type Org } from '../../network/src/config';

/** Counters of one peer, summed over the chaincode's series. */
export interface PeerCounters {
  proposals: number;
  proposalSeconds: number;
  shimCount: Map<string, number>;
  shimSeconds: Map<string, number>;
}

function labels(series: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of series.matchAll(/(\w+)="([^"]*)"/g)) out[m[1] as string] = m[2] as string;
  return out;
}

/** Scrapes an organisation's peer and sums the counters of `chaincode`. */
export async function scrapePeer(org: Org, chaincode: string): Promise<PeerCounters> {
  const res = await fetch(opsUrl(org, 'peerOps', '/metrics'), { signal: AbortSignal.timeout(5000) });
  const text = await res.text();
  const out: PeerCounters = { proposals: 0, proposalSeconds: 0, shimCount: new Map(), shimSeconds: new Map() };
  for (const line of text.split('\n')) {
    const m = /^(\w+)\{([^}]*)\} ([0-9.e+-]+)$/.exec(line);
    if (!m) continue;
    const [, name, rawLabels, rawValue] = m;
    const l = labels(rawLabels ?? '');
    if (!(l.chaincode ?? '').startsWith(chaincode)) continue;
    const value = Number(rawValue);
    const type = l.type ?? '';
    if (name === 'endorser_proposal_duration_sum') out.proposalSeconds += value;
    else if (name === 'endorser_proposal_duration_count') out.proposals += value;
    else if (name === 'chaincode_shim_request_duration_count') out.shimCount.set(type, (out.shimCount.get(type) ?? 0) + value);
    else if (name === 'chaincode_shim_request_duration_sum') out.shimSeconds.set(type, (out.shimSeconds.get(type) ?? 0) + value);
  }
  return out;
}

/** Per-call profile of the calls made between two scrapes. */
export interface CallProfile {
  calls: number;
  /** Client-observed time per call, ms. */
  clientMs: number;
  /** Peer time per proposal (simulation incl. chaincode), ms. */
  peerMs: number;
  /** Shim requests per call, by type. */
  shimPerCall: Record<string, number>;
  /** Peer-side time serving shim requests per call, ms. */
  shimMs: number;
}

/** The per-call profile of `calls` calls that took `clientMs` in total on the client. */
export function profileOf(before: PeerCounters, after: PeerCounters, calls: number, clientMs: number): CallProfile {
  const shimPerCall: Record<string, number> = {};
  let shimSeconds = 0;
  for (const [type, n] of after.shimCount) {
    const d = n - (before.shimCount.get(type) ?? 0);
    if (d > 0) shimPerCall[type] = d / calls;
    shimSeconds += (after.shimSeconds.get(type) ?? 0) - (before.shimSeconds.get(type) ?? 0);
  }
  return {
    calls,
    clientMs: clientMs / calls,
    peerMs: ((after.proposalSeconds - before.proposalSeconds) * 1000) / calls,
    shimPerCall,
    shimMs: (shimSeconds * 1000) / calls,
  };
}
