/**
 * The few contract calls the demo seed needs, as one enrolled user of one
 * organisation, straight through that organisation's own peer
 * (fabric-gateway). Errors carry the chaincode's stable code; MVCC read
 * conflicts are retried with a new transaction.
 */
import { GatewayError, type Contract } from '@hyperledger/fabric-gateway';
import { errorCodeOf } from '@lotline/domain';
import { findOrg, type NetworkConfig } from '../../../network/src/config';
import { connectAs, type Connection } from '../../../network/src/gateway';

/** A chaincode failure with its stable code (`LOT_NOT_FOUND`, `FORBIDDEN`…) or `UNKNOWN`. */
export class LedgerCallError extends Error {
  readonly code: string;
  constructor(code: string, message: string, cause: unknown) {
    super(message, { cause });
    this.name = 'LedgerCallError';
    this.code = code;
  }
}

/** Commit statuses worth a new transaction: MVCC_READ_CONFLICT (11) and PHANTOM_READ_CONFLICT (12). */
const MVCC = /MVCC_READ_CONFLICT|PHANTOM_READ_CONFLICT|validation code (11|12)\b/;

function messageOf(err: unknown): string {
  if (err instanceof GatewayError) {
    const details = err.details.map((d) => d.message).join('; ');
    return details ? `${err.message}: ${details}` : err.message;
  }
  return err instanceof Error ? err.message : String(err);
}

/** The chaincode error code in a message, or `UNKNOWN`. */
function codeOf(message: string): string {
  return errorCodeOf(message) ?? 'UNKNOWN';
}

/** One organisation user's view of the Lotline contracts. */
export class SeedLedger {
  private readonly decoder = new TextDecoder();

  private constructor(
    private readonly connection: Connection,
    private readonly lot: Contract,
    private readonly quality: Contract,
    private readonly participant: Contract,
    readonly mspId: string,
  ) {}

  /** Connects as `user` of organisation `orgRef` through its own peer. */
  static connect(config: NetworkConfig, orgRef: string, user: string): SeedLedger {
    const org = findOrg(config, orgRef);
    const connection = connectAs(org, user);
    const network = connection.gateway.getNetwork(config.channel);
    return new SeedLedger(
      connection,
      network.getContract(config.chaincode, 'Lot'),
      network.getContract(config.chaincode, 'Quality'),
      network.getContract(config.chaincode, 'Participant'),
      org.mspId,
    );
  }

  close(): void {
    this.connection.close();
  }

  private contract(name: 'Lot' | 'Quality' | 'Participant'): Contract {
    return name === 'Lot' ? this.lot : name === 'Quality' ? this.quality : this.participant;
  }

  /** Evaluates a query and parses its JSON result. */
  async evaluate<T>(contract: 'Lot' | 'Quality' | 'Participant', fn: string, ...args: string[]): Promise<T> {
    try {
      return JSON.parse(this.decoder.decode(await this.contract(contract).evaluateTransaction(fn, ...args))) as T;
    } catch (err) {
      const message = messageOf(err);
      throw new LedgerCallError(codeOf(message), `${fn}: ${message}`, err);
    }
  }

  /** Evaluates a query; `undefined` when the record does not exist. */
  async find<T>(contract: 'Lot' | 'Quality' | 'Participant', fn: string, ...args: string[]): Promise<T | undefined> {
    try {
      return await this.evaluate<T>(contract, fn, ...args);
    } catch (err) {
      if (err instanceof LedgerCallError && /NOT_FOUND$/.test(err.code)) return undefined;
      throw err;
    }
  }

  /** Submits a transaction, waits for a valid commit (retrying MVCC conflicts), and parses its JSON result. */
  async submit<T>(contract: 'Lot' | 'Quality' | 'Participant', fn: string, ...args: string[]): Promise<{ value: T; txId: string }> {
    for (let attempt = 1; ; attempt++) {
      try {
        const proposal = this.contract(contract).newProposal(fn, { arguments: args });
        const transaction = await proposal.endorse();
        const submitted = await transaction.submit();
        const status = await submitted.getStatus();
        if (!status.successful) throw new Error(`${fn} committed with validation code ${status.code}`);
        return { value: JSON.parse(this.decoder.decode(transaction.getResult())) as T, txId: transaction.getTransactionId() };
      } catch (err) {
        const message = messageOf(err);
        if (attempt < 5 && MVCC.test(message)) continue;
        throw new LedgerCallError(codeOf(message), `${fn}: ${message}`, err);
      }
    }
  }
}
