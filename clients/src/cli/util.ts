/** Small parsing helpers for command options. */
import { readFileSync } from 'node:fs';
import { UsageError } from './exit-codes';

/** Commander collector for repeatable options. */
export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** A positive decimal amount, or a usage error naming the option. */
export function parseAmount(raw: string, option: string): number {
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n) || n <= 0)
    throw new UsageError(`${option} ${raw}: give a positive number, e.g. 2000 or 2.5`);
  return n;
}

/** An integer ≥ min, or a usage error naming the option. */
export function parsePositiveInt(raw: string, option: string, min: number): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`${option} ${raw}: give an integer of at least ${min}`);
  return n;
}

/** A number (may be negative or zero), or a usage error. */
export function parseNumber(raw: string, what: string): number {
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n)) throw new UsageError(`${what}: "${raw}" is not a number`);
  return n;
}

/** Reads and parses a JSON file, or fails with a usage error saying what is wrong. */
export function readJsonFile<T>(path: string): T {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new UsageError(`cannot read ${path}: check the path`);
  }
  try {
    return JSON.parse(text) as T;
  } catch (err) {
    throw new UsageError(`${path} is not valid JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
}
