/**
 * The benchmark's floor: `Baseline:PutValue(key, value)` does one putState and
 * emits one event, through the same peer, shim and gateway stack as Lotline's
 * transactions, with none of their reads or checks.
 *
 * It lives beside the benchmark and is deployed only by `npm run bench`, as its
 * own chaincode `baseline` on the channel: the Lotline chaincode that
 * `npm start` deploys has no such transaction. Any member of the channel may
 * call it (the channel's own writers policy); it never ships.
 */
import { Contract, type Context } from 'fabric-contract-api';

/** The one transaction of the baseline chaincode. No decorators: every public method is a submit transaction. */
export class BaselineContract extends Contract {
  constructor() {
    super('Baseline');
  }

  /** Writes `value` under `key` (one putState) and emits `BaselineValuePut {key}`. Returns `{key}`. */
  async PutValue(ctx: Context, key: string, value: string): Promise<string> {
    if (key.length === 0 || value.length > 4096)
      throw new Error('INVALID_ARGUMENT: key must be non-empty and value at most 4096 characters');
    await ctx.stub.putState(key, Buffer.from(value, 'utf8'));
    const result = JSON.stringify({ key });
    ctx.stub.setEvent('BaselineValuePut', Buffer.from(result, 'utf8'));
    return result;
  }
}

/** The contracts that fabric-chaincode-node loads from this package. */
export const contracts = [BaselineContract];
