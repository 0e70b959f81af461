/** Builders for lot inputs, shaped as the chaincode's `CreateLot` expects. */
import type { LotInput } from '@lotline/domain';

/** A lot of `amount` units, made from `inputs`, with an org-qualified id. */
export function newLot(
  mspId: string,
  localId: string,
  options: { amount?: number; unit?: string; inputs?: LotInput['inputs']; product?: LotInput['product'] } = {},
): LotInput {
  return {
    id: `${mspId}:${localId}`,
    product: options.product ?? { code: 'TEST-PART', name: 'Test part' },
    quantity: { amount: options.amount ?? 100, unit: options.unit ?? 'EA' },
    inputs: options.inputs ?? [],
    process: { site: 'Test site', line: 'Line 1' },
  };
}
