/**
 * The evidence bundle: one zip holding `manifest.json` and `blocks/<n>.block`,
 * each block's raw bytes exactly as the serving peer stores them (the
 * marshalled common.Block that qscc returns). Its size is bounded by
 * {@link MAX_BUNDLE_BYTES}; a bigger bundle is refused, not truncated.
 */
import { strToU8, strFromU8, unzipSync, zipSync, type Zippable } from 'fflate';

/** The format tag in every manifest. */
export const BUNDLE_FORMAT = 'lotline-evidence/1';

/** The largest bundle made or read (zip and unzipped contents alike): 64 MiB. */
export const MAX_BUNDLE_BYTES = 64 * 1024 * 1024;

/** One version of a lot, as the serving peer's history gave it. */
export interface EvidenceRecord {
  readonly lotId: string;
  readonly txId: string;
  readonly blockNumber: number;
  readonly timestamp: string;
  readonly isDelete: boolean;
  /** The record as served; the verifier compares its canonical JSON with the write set byte for byte. */
  readonly value: unknown;
}

/** `manifest.json`. */
export interface EvidenceManifest {
  readonly format: typeof BUNDLE_FORMAT;
  /** The lot the bundle was asked for (null for a bundle of transactions, as the proof endpoint makes). */
  readonly lotId: string | null;
  /** Depth of the backward trace whose lots' histories are included (0: the lot alone). */
  readonly depth: number;
  /** Every lot whose history is included, the asked-for lot first. */
  readonly lots: readonly string[];
  readonly channel: string;
  /** The peer that served the blocks and histories, and its organisation. */
  readonly servedBy: { readonly peer: string; readonly mspId: string };
  readonly createdAt: string;
  /** Transactions asked for beyond the records' (the proof endpoint's). */
  readonly transactions: readonly string[];
  readonly records: readonly EvidenceRecord[];
  /** Every block in `blocks/`, ascending. */
  readonly blocks: readonly number[];
  /** The config blocks among them: the genesis block and every configuration up to the last one in force. */
  readonly configBlocks: readonly number[];
  readonly maxBytes: number;
}

/** A bundle in memory. */
export interface EvidenceBundle {
  readonly manifest: EvidenceManifest;
  /** Raw block bytes by block number. */
  readonly blocks: ReadonlyMap<number, Uint8Array>;
}

/** Thrown when a bundle would exceed (or exceeds) its size limit. */
export class EvidenceTooLargeError extends Error {
  override readonly name = 'EvidenceTooLargeError';
  readonly code = 'EVIDENCE_TOO_LARGE';
  constructor(
    readonly bytes: number,
    readonly limit: number,
  ) {
    super(
      `the evidence bundle would hold ${bytes} bytes, over its limit of ${limit}: ask for a smaller depth, or export the lots of the trace one by one`,
    );
  }
}

/** Thrown when a file is not an evidence bundle. */
export class BundleFormatError extends Error {
  override readonly name = 'BundleFormatError';
  readonly code = 'BUNDLE_FORMAT';
}

const BLOCK_FILE = /^blocks\/(\d+)\.block$/;

/** The bundle's zip bytes. @throws EvidenceTooLargeError over `manifest.maxBytes`. */
export function writeBundle(bundle: EvidenceBundle): Uint8Array {
  const files: Zippable = { 'manifest.json': strToU8(`${JSON.stringify(bundle.manifest, null, 2)}\n`) };
  let size = 0;
  for (const [number, bytes] of bundle.blocks) {
    files[`blocks/${number}.block`] = [bytes, { level: 0 }];
    size += bytes.length;
  }
  if (size > bundle.manifest.maxBytes) throw new EvidenceTooLargeError(size, bundle.manifest.maxBytes);
  const zip = zipSync(files, { level: 6, mtime: new Date(bundle.manifest.createdAt) });
  if (zip.length > bundle.manifest.maxBytes) throw new EvidenceTooLargeError(zip.length, bundle.manifest.maxBytes);
  return zip;
}

/**
 * Read a bundle's zip bytes (without judging anything it claims).
 * @throws BundleFormatError when it is not a bundle; EvidenceTooLargeError over `limit`.
 */
export function readBundle(zip: Uint8Array, limit = MAX_BUNDLE_BYTES): EvidenceBundle {
  if (zip.length > limit) throw new EvidenceTooLargeError(zip.length, limit);
  let files: Record<string, Uint8Array>;
  let unzipped = 0;
  try {
    files = unzipSync(zip, {
      filter: (file) => {
        unzipped += file.originalSize;
        if (unzipped > limit) throw new EvidenceTooLargeError(unzipped, limit);
        return true;
      },
    });
  } catch (error) {
    if (error instanceof EvidenceTooLargeError) throw error;
    throw new BundleFormatError(`not a zip file (${error instanceof Error ? error.message : String(error)}): an evidence bundle is a zip`);
  }
  const manifestBytes = files['manifest.json'];
  if (manifestBytes === undefined) throw new BundleFormatError('the zip has no manifest.json: it is not an evidence bundle');
  let manifest: EvidenceManifest;
  try {
    manifest = JSON.parse(strFromU8(manifestBytes)) as EvidenceManifest;
  } catch (error) {
    throw new BundleFormatError(`manifest.json is not JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  const format: unknown = manifest.format;
  if (format !== BUNDLE_FORMAT)
    throw new BundleFormatError(`manifest.json has format ${JSON.stringify(format)}, expected ${BUNDLE_FORMAT}`);
  const blocks = new Map<number, Uint8Array>();
  for (const [name, bytes] of Object.entries(files)) {
    const match = BLOCK_FILE.exec(name);
    if (match?.[1] !== undefined) blocks.set(Number(match[1]), bytes);
  }
  return { manifest, blocks };
}
