import { cbvWord, fail } from '@lotline/domain';

/**
 * Typed reads of the EPCIS event fields that the ledger mapping uses. The API
 * validates documents against the GS1 EPCIS 2.0 JSON schema before they reach
 * the chaincode; these reads still refuse a wrong shape (INVALID_ARGUMENT with
 * the JSON pointer), because a member may call the peer directly.
 */

/** A JSON object. */
export type Json = Record<string, unknown>;

/** A quantity element: an EPC class with an optional quantity and unit. */
export interface QuantityElement {
  readonly epcClass: string;
  readonly quantity: number | undefined;
  readonly uom: string | undefined;
}

/** A source or destination entry. */
export interface PartyElement {
  readonly type: string;
  readonly value: string;
}

/** Reads fields of one event, naming `/epcisBody/eventList/<index>` in errors. */
export class EventFields {
  constructor(
    readonly event: Json,
    readonly pointer: string,
  ) {}

  private bad(field: string, expected: string): never {
    throw fail('INVALID_ARGUMENT', `${this.pointer}/${field}: must be ${expected}`);
  }

  /** An optional string field. */
  str(field: string): string | undefined {
    const value = this.event[field];
    if (value === undefined) return undefined;
    return typeof value === 'string' ? value : this.bad(field, 'a string');
  }

  /** An optional object field. */
  obj(field: string): Json | undefined {
    const value = this.event[field];
    if (value === undefined) return undefined;
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : this.bad(field, 'an object');
  }

  /** An optional list of strings (EPC lists). */
  strings(field: string): string[] {
    const value = this.event[field];
    if (value === undefined) return [];
    if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) this.bad(field, 'a list of strings');
    return value as string[];
  }

  /** An optional quantity list. */
  quantities(field: string): QuantityElement[] {
    const value = this.event[field];
    if (value === undefined) return [];
    if (!Array.isArray(value)) this.bad(field, 'a list');
    return (value as unknown[]).map((item, i) => {
      const q = item as Json;
      if (typeof q !== 'object' || q === null || typeof q.epcClass !== 'string') this.bad(`${field}/${i}/epcClass`, 'a string');
      if (q.quantity !== undefined && typeof q.quantity !== 'number') this.bad(`${field}/${i}/quantity`, 'a number');
      if (q.uom !== undefined && typeof q.uom !== 'string') this.bad(`${field}/${i}/uom`, 'a string');
      return { epcClass: q.epcClass, quantity: q.quantity, uom: q.uom };
    });
  }

  /** An optional source or destination list. */
  parties(field: 'sourceList' | 'destinationList'): PartyElement[] {
    const value = this.event[field];
    if (value === undefined) return [];
    if (!Array.isArray(value)) this.bad(field, 'a list');
    const key = field === 'sourceList' ? 'source' : 'destination';
    return (value as unknown[]).map((item, i) => {
      const p = item as Json;
      if (typeof p !== 'object' || p === null || typeof p.type !== 'string' || typeof p[key] !== 'string') {
        this.bad(`${field}/${i}`, `an object with string type and ${key}`);
      }
      return { type: cbvWord(p.type, 'SDT'), value: p[key] };
    });
  }

  /** The `id` of readPoint or bizLocation. */
  locationId(field: 'readPoint' | 'bizLocation'): string | undefined {
    const location = this.obj(field);
    const id = location?.id;
    if (location !== undefined && typeof id !== 'string') this.bad(`${field}/id`, 'a string');
    return id as string | undefined;
  }
}

export { cbvWord };
