import { fail, LIMITS } from '@lotline/domain';
import type { z } from 'zod';

/**
 * Parsing and validation of transaction arguments. Arguments are strings; the
 * structured ones are JSON, parsed here (bounded in size) and checked against
 * the shared input schemas of `@lotline/domain`.
 */

function describe(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : '(value)'}: ${issue.message}`)
    .join('; ');
}

/** Validate a value against a schema, or throw INVALID_ARGUMENT naming the argument and the failing fields. */
export function validate<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw fail('INVALID_ARGUMENT', `${what}: ${describe(result.error)}`);
  return result.data;
}

/** Parse a JSON argument (bounded in size) into an unknown value, or throw INVALID_ARGUMENT. */
export function parseJsonArg(text: string, what: string, maxChars: number = LIMITS.jsonChars): unknown {
  if (text.length > maxChars) throw fail('INVALID_ARGUMENT', `${what}: larger than ${maxChars} characters`);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw fail('INVALID_ARGUMENT', `${what}: not valid JSON`);
  }
}

/** Parse a JSON argument and validate it against a schema. */
export function parseJson<S extends z.ZodType>(schema: S, text: string, what: string, maxChars?: number): z.output<S> {
  return validate(schema, parseJsonArg(text, what, maxChars), what);
}

/** Parse an integer argument within [min, max], or throw INVALID_ARGUMENT. */
export function parseIntArg(text: string, what: string, min: number, max: number): number {
  if (!/^\d{1,6}$/.test(text)) throw fail('INVALID_ARGUMENT', `${what}: must be an integer`);
  const n = Number(text);
  if (n < min || n > max) throw fail('INVALID_ARGUMENT', `${what}: must be between ${min} and ${max}`);
  return n;
}
