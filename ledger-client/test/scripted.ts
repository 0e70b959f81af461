/**
 * A scripted stand-in for a fabric-gateway Contract: each attempt endorses,
 * submits and reports a commit status as the script says, with the real
 * fabric-gateway error classes a peer's Gateway produces.
 */
import { Metadata, status as GrpcStatus, type ServiceError } from '@grpc/grpc-js';
import { GatewayError, type Contract } from '@hyperledger/fabric-gateway';

/** A gateway error as the Gateway returns it: a gRPC status, a message and the peers' details. */
export function gatewayError(code: number, message: string, details: readonly string[] = []): GatewayError {
  const cause = Object.assign(new Error(`${code} ${GrpcStatus[code]}: ${message}`), { code, details: message, metadata: new Metadata() });
  return new GatewayError({
    code,
    message: cause.message,
    cause: cause as ServiceError,
    details: details.map((m) => ({ address: 'peer0.partsco:7151', mspId: 'PartsCoMSP', message: m })),
  });
}

/**
 * What one attempt does: fail at a stage, or commit with a validation code (0 = VALID); `undelivered`: its first
 * sends to the ordering service time out (DEADLINE_EXCEEDED), then it is delivered and commits VALID; `lost`: its
 * first copy is taken by the ordering service and lost, so its commit status comes only once it has been sent
 * `lost` more times (then VALID).
 */
export type Step =
  | { endorse: Error }
  | { submit: Error }
  | { status: Error }
  | { commit: number }
  | { undelivered: number }
  | { lost: number };

/** A Contract whose successive transactions follow `steps` (the last one repeats); `calls` counts endorsements. */
export function scriptedContract(steps: readonly Step[]): { contract: Contract; calls: () => number; sends: () => number } {
  let n = 0;
  let sends = 0;
  // Commit-status waits of `lost` steps, each released once its transaction has been sent enough times.
  const waiting: { until: number; release: () => void }[] = [];
  const releaseDue = () => {
    for (const w of waiting.filter((w) => sends >= w.until)) {
      waiting.splice(waiting.indexOf(w), 1);
      w.release();
    }
  };
  const contract = {
    getChaincodeName: () => 'lotline',
    getContractName: () => 'Lot',
    newProposal: () => {
      const step = steps[Math.min(n, steps.length - 1)] as Step;
      n += 1;
      const txId = `tx${n}`;
      return {
        getTransactionId: () => txId,
        endorse: () =>
          'endorse' in step
            ? Promise.reject(step.endorse)
            : Promise.resolve({
                getResult: () => new TextEncoder().encode(JSON.stringify({ ok: n })),
                submit: () => {
                  sends += 1;
                  releaseDue();
                  if ('undelivered' in step && sends <= step.undelivered)
                    return Promise.reject(
                      gatewayError(GrpcStatus.DEADLINE_EXCEEDED, 'submit timeout expired while broadcasting to ordering service'),
                    );
                  return 'submit' in step
                    ? Promise.reject(step.submit)
                    : Promise.resolve({
                        getStatus: async () => {
                          if ('lost' in step) {
                            const until = sends + step.lost;
                            await new Promise<void>((release) => waiting.push({ until, release }));
                          }
                          return 'status' in step
                            ? Promise.reject(step.status)
                            : Promise.resolve({
                                successful: !('commit' in step) || step.commit === 0,
                                code: 'commit' in step ? step.commit : 0,
                                transactionId: txId,
                                blockNumber: BigInt(40 + n),
                              });
                        },
                      });
                },
              }),
      };
    },
  };
  return { contract: contract as unknown as Contract, calls: () => n, sends: () => sends };
}
