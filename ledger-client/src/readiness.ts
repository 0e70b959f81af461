/**
 * The readiness rule: a client may use the chaincode once service discovery
 * on its gateway peer lists endorsers of every organisation of the channel
 * for it. Right after a chaincode definition is committed (or a peer
 * restarts), gossip has not yet told the gateway peer which peers run the
 * chaincode, and the Gateway answers "no combination of peers can be derived
 * which satisfy the endorsement policy". The check is the discovery query the
 * Gateway itself relies on, signed by the client's identity.
 */
import type * as grpc from '@grpc/grpc-js';
import { discovery, msp, peer } from '@hyperledger/fabric-protos';
import type { SigningIdentity } from './identity';

/** What to check: the chaincode on the channel, seen from the peer behind `client`. */
export interface EndorsementTarget {
  /** A gRPC client of the gateway peer. */
  readonly client: grpc.Client;
  /** Signs the discovery request; must be a member of the channel. */
  readonly signing: SigningIdentity;
  readonly channel: string;
  readonly chaincode: string;
  /** MSP IDs that must each have an endorsing peer. */
  readonly organizations: readonly string[];
  /** Deadline of one discovery call (default 5 s). */
  readonly callTimeoutMs?: number;
}

/** The answer of one discovery check. */
export interface Endorsability {
  /** MSP IDs with at least one peer that discovery lists as an endorser. */
  readonly endorsing: readonly string[];
  /** Organisations of the target without one. */
  readonly missing: readonly string[];
  /**
   * Whether discovery found at least one combination of endorsers that satisfies
   * the chaincode's endorsement policy: writes can be endorsed now, even when an
   * organisation is missing (a majority policy tolerates a peer that is down).
   */
  readonly satisfiable: boolean;
  /** Why discovery gave no endorsers at all (its error, or the gRPC failure), when it did not. */
  readonly problem?: string;
}

const DISCOVER = '/discovery.Discovery/Discover';

async function signedRequest(target: EndorsementTarget): Promise<discovery.SignedRequest> {
  const creator = new msp.SerializedIdentity();
  creator.setMspid(target.signing.identity.mspId);
  creator.setIdBytes(target.signing.identity.credentials);
  const auth = new discovery.AuthInfo();
  auth.setClientIdentity(creator.serializeBinary());
  const call = new peer.ChaincodeCall();
  call.setName(target.chaincode);
  const interest = new peer.ChaincodeInterest();
  interest.setChaincodesList([call]);
  const ccQuery = new discovery.ChaincodeQuery();
  ccQuery.setInterestsList([interest]);
  const query = new discovery.Query();
  query.setChannel(target.channel);
  query.setCcQuery(ccQuery);
  const request = new discovery.Request();
  request.setAuthentication(auth);
  request.setQueriesList([query]);
  const payload = request.serializeBinary();
  const signed = new discovery.SignedRequest();
  signed.setPayload(payload);
  signed.setSignature(await target.signing.signer(target.signing.hash(payload)));
  return signed;
}

function discover(target: EndorsementTarget, request: discovery.SignedRequest): Promise<discovery.Response> {
  return new Promise((resolve, reject) => {
    target.client.makeUnaryRequest(
      DISCOVER,
      (value: discovery.SignedRequest) => Buffer.from(value.serializeBinary()),
      (bytes: Buffer) => discovery.Response.deserializeBinary(bytes),
      request,
      { deadline: Date.now() + (target.callTimeoutMs ?? 5000) },
      (error, response) => (error || response === undefined ? reject(error ?? new Error('discovery sent no response')) : resolve(response)),
    );
  });
}

function hasLayout(result: discovery.QueryResult): boolean {
  return (result.getCcQueryRes()?.getContentList() ?? []).some((descriptor) => descriptor.getLayoutsList().length > 0);
}

function endorsersIn(result: discovery.QueryResult): Set<string> {
  const msps = new Set<string>();
  for (const descriptor of result.getCcQueryRes()?.getContentList() ?? []) {
    // toObject: jspb.Map has no type declarations here; identities come as bytes or base64.
    for (const [, peers] of descriptor.toObject().endorsersByGroupsMap) {
      for (const { identity } of peers.peersList) {
        const bytes = typeof identity === 'string' ? Buffer.from(identity, 'base64') : identity;
        msps.add(msp.SerializedIdentity.deserializeBinary(bytes).getMspid());
      }
    }
  }
  return msps;
}

/** One discovery check: which organisations have endorsers of the chaincode now. */
export async function checkEndorsers(target: EndorsementTarget): Promise<Endorsability> {
  let response: discovery.Response;
  try {
    response = await discover(target, await signedRequest(target));
  } catch (error) {
    return {
      endorsing: [],
      missing: [...target.organizations],
      satisfiable: false,
      problem: error instanceof Error ? error.message : String(error),
    };
  }
  const result = response.getResultsList()[0];
  const problem = result?.getError()?.getContent();
  const endorsing = result === undefined ? new Set<string>() : endorsersIn(result);
  return {
    endorsing: [...endorsing].sort(),
    missing: target.organizations.filter((o) => !endorsing.has(o)),
    satisfiable: result !== undefined && hasLayout(result),
    ...(problem !== undefined && problem !== '' ? { problem } : result === undefined ? { problem: 'discovery returned no result' } : {}),
  };
}

/** Progress of {@link waitUntilEndorsable}, after each check that was not yet ready. */
export interface ReadinessProgress extends Endorsability {
  readonly elapsedMs: number;
  readonly checks: number;
}

/** How long and how often {@link waitUntilEndorsable} checks. */
export interface WaitOptions {
  /** Give up after this long (default 60 s). */
  readonly timeoutMs?: number;
  /** Pause between checks (default 250 ms). */
  readonly intervalMs?: number;
  readonly onProgress?: (progress: ReadinessProgress) => void;
}

/** What the wait took. */
export interface Readiness {
  readonly waitedMs: number;
  readonly checks: number;
}

/** The chaincode did not become endorsable by every organisation in time. */
export class NotEndorsableError extends Error {
  readonly missing: readonly string[];
  readonly problem: string | undefined;
  constructor(target: EndorsementTarget, last: Endorsability, waitedMs: number) {
    super(
      `after ${(waitedMs / 1000).toFixed(1)} s, service discovery on the gateway peer still lists no endorser of chaincode ` +
        `${target.chaincode} on channel ${target.channel} for ${last.missing.join(', ')}` +
        (last.problem !== undefined ? ` (${last.problem})` : '') +
        `: check that those organisations' peers and chaincode servers run (\`npm run status\`), then start again`,
    );
    this.name = 'NotEndorsableError';
    this.missing = last.missing;
    this.problem = last.problem;
  }
}

const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Wait until discovery on the gateway peer lists endorsers of every one of
 * `target.organizations` for the chaincode: the condition the Gateway needs
 * to endorse. Checks again every `intervalMs` (it does not submit anything).
 * @throws NotEndorsableError naming the organisations still missing after `timeoutMs`.
 */
export async function waitUntilEndorsable(target: EndorsementTarget, options: WaitOptions = {}): Promise<Readiness> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  const started = Date.now();
  for (let checks = 1; ; checks += 1) {
    const state = await checkEndorsers(target);
    const elapsedMs = Date.now() - started;
    if (state.missing.length === 0) return { waitedMs: elapsedMs, checks };
    if (elapsedMs >= timeoutMs) throw new NotEndorsableError(target, state, elapsedMs);
    options.onProgress?.({ ...state, elapsedMs, checks });
    await pause(Math.min(options.intervalMs ?? 250, Math.max(0, timeoutMs - elapsedMs)));
  }
}
