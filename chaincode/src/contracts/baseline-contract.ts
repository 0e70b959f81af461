import { canonicalJson, EVENTS, schemas } from '@lotline/domain';
import { Context, Contract, Info, Returns, Transaction } from 'fabric-contract-api';
import { assertCanPutBaseline, callerOf } from '../access';
import { emitEvent } from '../events';
import { Ledger } from '../ledger';
import { KEYS } from '../keys';
import { validate } from '../validation';

/** A minimal transaction for benchmarks: the cost of one putState and one event through the same stack. */
@Info({ title: 'Baseline', description: 'Single-write transaction for benchmark baselines' })
export class BaselineContract extends Contract {
  constructor() {
    super('Baseline');
  }

  /** Write `{value}` under `baseline` [key] (any member org's `admin`). Returns `{key}`. */
  @Transaction()
  @Returns('string')
  async PutValue(ctx: Context, key: string, value: string): Promise<string> {
    assertCanPutBaseline(callerOf(ctx));
    const k = validate(schemas.baselineKey, key, 'key');
    const v = validate(schemas.baselineValue, value, 'value');
    const ledger = new Ledger(ctx.stub);
    await ledger.put(ledger.key(KEYS.baseline, [k]), { value: v });
    emitEvent(ctx, EVENTS.BaselineValuePut, { key: k });
    return canonicalJson({ key: k });
  }
}
