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

/** What one attempt does: fail at a stage, or commit with a validation code (0 = VALID). */
export type Step = { endorse: Error } | { submit: Error } | { status: Error } | { commit: number };

/** A Contract whose successive transactions follow `steps` (the last one repeats); `calls` counts endorsements. */
export function scriptedContract(steps: readonly Step[]): { contract: Contract; calls: () => number } {
  let n = 0;
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
                submit: () =>
                  'submit' in step
                    ? Promise.reject(step.submit)
                    : Promise.resolve({
                        getStatus: () =>
                          'status' in step
                            ? Promise.reject(step.status)
                            : Promise.resolve({
                                successful: step.commit === 0,
                                code: step.commit,
                                transactionId: txId,
                                blockNumber: BigInt(40 + n),
                              }),
                      }),
              }),
      };
    },
  };
  return { contract: contract as unknown as Contract, calls: () => n };
}
