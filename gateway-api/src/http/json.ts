/**
 * The one JSON body parser of the API (resource routes and EPCIS alike):
 * Express's parser with a size limit and media types, then a bound on nesting
 * depth. JSON.parse accepts any depth, but the code after it (structuredClone,
 * JSON.stringify, schema validation) recurses and would overflow the stack on
 * a body of a few thousand levels: such bodies are refused with 400 first.
 */
import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { ApiError } from '../errors';

/** Deepest nesting (objects and arrays) accepted in a JSON body. */
export const MAX_JSON_DEPTH = 64;

/** Options of {@link jsonBody}. */
export interface JsonBodyOptions {
  /** Largest body (an Express size string such as `256kb`); larger is 413. */
  readonly limit: string;
  /** Media types parsed as JSON. */
  readonly type: readonly string[];
  /** Deepest nesting accepted (default {@link MAX_JSON_DEPTH}). */
  readonly maxDepth?: number;
}

interface Frame {
  readonly value: unknown;
  readonly depth: number;
  readonly parent: number;
  readonly key: string;
}

function pointerOf(frames: readonly Frame[], index: number): string {
  const keys: string[] = [];
  for (let i = index; i > 0; i = (frames[i] as Frame).parent) keys.push((frames[i] as Frame).key);
  return keys
    .reverse()
    .map((k) => `/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`)
    .join('');
}

/**
 * The JSON pointer of the first value nested deeper than `maxDepth` (the
 * document itself is depth 1 when it is an object or array), or undefined.
 * Iterative, so that it cannot itself overflow the stack.
 */
export function tooDeepAt(value: unknown, maxDepth: number): string | undefined {
  const frames: Frame[] = [{ value, depth: 1, parent: -1, key: '' }];
  const pending = [0];
  while (pending.length > 0) {
    const index = pending.pop() as number;
    const frame = frames[index] as Frame;
    if (typeof frame.value !== 'object' || frame.value === null) continue;
    if (frame.depth > maxDepth) return pointerOf(frames, index);
    const entries = Array.isArray(frame.value) ? frame.value.map((v, i) => [String(i), v] as const) : Object.entries(frame.value);
    for (const [key, child] of entries) {
      if (typeof child !== 'object' || child === null) continue;
      frames.push({ value: child, depth: frame.depth + 1, parent: index, key });
      pending.push(frames.length - 1);
    }
  }
  return undefined;
}

/** 400 JSON_TOO_DEEP for a body nested beyond the bound. */
export function tooDeep(pointer: string, maxDepth: number): ApiError {
  return new ApiError({
    status: 400,
    code: 'JSON_TOO_DEEP',
    message: { key: 'detail.json_too_deep', params: { depth: maxDepth, pointer: pointer.slice(0, 200) || '/' } },
    extensions: { errors: [{ path: pointer.slice(0, 200), message: `nested more than ${maxDepth} levels` }] },
  });
}

/** Express's JSON parser followed by the depth bound. */
export function jsonBody(options: JsonBodyOptions): RequestHandler[] {
  const maxDepth = options.maxDepth ?? MAX_JSON_DEPTH;
  const depthGuard = (req: Request, _res: Response, next: NextFunction): void => {
    const pointer = tooDeepAt(req.body, maxDepth);
    next(pointer === undefined ? undefined : tooDeep(pointer, maxDepth));
  };
  return [express.json({ limit: options.limit, type: [...options.type] }), depthGuard];
}
