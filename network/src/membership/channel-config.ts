/**
 * The channel configuration as data: fetch the newest config block through an
 * organisation's admin, decode it with configtxlator, compute the update
 * between two configurations, and wrap an update in the envelope that the
 * orderer accepts. The update's bytes are produced once (compute_update) and
 * never re-encoded from JSON, so signatures made on them stay valid.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { common } from '@hyperledger/fabric-protos';
import { bin } from '../binaries';
import { endpoint, port, tlsRootCert, type NetworkConfig, type Org } from '../config';
import { ordererOrgs, peerAdminEnv } from '../nodes';
import { isListening, run } from '../processes';
import { ActionableError } from '../progress';

const execFileAsync = promisify(execFile);

/** A config value as configtxlator writes it. */
export interface ConfigValue {
  mod_policy: string;
  value: Record<string, unknown>;
  version: string;
}

/** A config group (Channel, Application, Orderer, or one organisation) as configtxlator writes it. */
export interface ConfigGroup {
  groups: Record<string, ConfigGroup>;
  values: Record<string, ConfigValue>;
  policies: Record<string, { mod_policy: string; policy: { type: number; value: Record<string, unknown> }; version: string }>;
  mod_policy: string;
  version: string;
}

/** The decoded `common.Config` of a channel. */
export interface ChannelConfig {
  sequence: string;
  channel_group: ConfigGroup;
}

/** The newest configuration and the number of the block that holds it. */
export interface FetchedConfig {
  config: ChannelConfig;
  blockNumber: number;
}

/** The first orderer that listens: the one an admin talks to. */
export async function reachableOrderer(config: NetworkConfig): Promise<Org> {
  for (const o of ordererOrgs(config)) {
    if (await isListening(o.host, port(o, 'orderer'))) return o;
  }
  throw new ActionableError('no orderer of the channel is reachable: start the network (npm start) and try again');
}

/** `-o <orderer> --tls --cafile <its TLS root>` for the peer CLI. */
export async function ordererFlags(config: NetworkConfig): Promise<string[]> {
  const o = await reachableOrderer(config);
  return ['-o', endpoint(o, 'orderer'), '--tls', '--cafile', tlsRootCert(o)];
}

/** Runs `fn` with a scratch folder that is removed afterwards. */
export async function withScratch<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(path.join(tmpdir(), 'lotline-configtx-'));
  try {
    return await fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Decodes a protobuf file of `type` (e.g. `common.Block`) to JSON with configtxlator. */
export async function decodeProto<T>(config: NetworkConfig, file: string, type: string): Promise<T> {
  // configtxlator's default output is /dev/stdout, which a pipe to a child process cannot open: write a file.
  const json = `${file}.json`;
  await run(bin(config, 'configtxlator'), ['proto_decode', '--input', file, '--type', type, '--output', json], {
    what: `decoding ${path.basename(file)} (${type})`,
  });
  return JSON.parse(readFileSync(json, 'utf8')) as T;
}

/** Fetches a block of the channel (`config` for the newest config block, or a number) into `file`, as `as`'s admin. */
export async function fetchBlock(config: NetworkConfig, as: Org, which: 'config' | number, file: string): Promise<void> {
  try {
    await execFileAsync(
      bin(config, 'peer'),
      ['channel', 'fetch', String(which), file, '-c', config.channel, ...(await ordererFlags(config))],
      { env: peerAdminEnv(config, as), maxBuffer: 64 * 1024 * 1024 },
    );
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    const output = (e.stderr ?? e.message).trim().split('\n').slice(-4).join('\n');
    throw new ActionableError(
      `${as.name}'s admin could not fetch block ${which} of ${config.channel}:\n${output}\n` +
        `  An organisation reads the channel only once it is a member; check the orderers with npm run status.`,
      { cause: err },
    );
  }
}

interface DecodedBlock {
  header: { number: string };
  data: { data: { payload: { data: { config: ChannelConfig } } }[] };
}

/** The channel's newest configuration, fetched and decoded as `as`'s admin. */
export function fetchConfig(config: NetworkConfig, as: Org): Promise<FetchedConfig> {
  return withScratch(async (dir) => {
    const file = path.join(dir, 'config.block');
    await fetchBlock(config, as, 'config', file);
    const block = await decodeProto<DecodedBlock>(config, file, 'common.Block');
    const decoded = block.data.data[0]?.payload.data.config;
    if (!decoded) throw new ActionableError(`block ${block.header.number} of ${config.channel} holds no channel configuration`);
    return { config: decoded, blockNumber: Number(block.header.number) };
  });
}

/** The organisations of the Application group (the channel's members), sorted. */
export function applicationMembers(channelConfig: ChannelConfig): string[] {
  return Object.keys(channelConfig.channel_group.groups.Application?.groups ?? {}).sort();
}

/** How many of `n` sub-policies a MAJORITY implicit-meta policy needs. */
export function majorityOf(n: number): number {
  return Math.floor(n / 2) + 1;
}

/**
 * The `common.ConfigUpdate` that turns `original` into `updated`
 * (`configtxlator compute_update`), as bytes.
 */
export function computeUpdate(config: NetworkConfig, original: ChannelConfig, updated: ChannelConfig): Promise<Uint8Array> {
  return withScratch(async (dir) => {
    const encode = async (name: string, value: ChannelConfig) => {
      writeFileSync(path.join(dir, `${name}.json`), JSON.stringify(value));
      await run(
        bin(config, 'configtxlator'),
        ['proto_encode', '--input', path.join(dir, `${name}.json`), '--type', 'common.Config', '--output', path.join(dir, `${name}.pb`)],
        { what: `encoding the ${name} channel configuration` },
      );
    };
    await encode('original', original);
    await encode('updated', updated);
    const args = ['compute_update', '--channel_id', config.channel, '--original', path.join(dir, 'original.pb')];
    try {
      await execFileAsync(bin(config, 'configtxlator'), [
        ...args,
        '--updated',
        path.join(dir, 'updated.pb'),
        '--output',
        path.join(dir, 'update.pb'),
      ]);
    } catch (err) {
      const text = String((err as { stderr?: string }).stderr ?? err);
      if (text.includes('no differences detected')) {
        throw new ActionableError('the channel configuration already says this: there is nothing to propose', { cause: err });
      }
      throw new ActionableError(`configtxlator compute_update failed: ${text.trim()}`, { cause: err });
    }
    return new Uint8Array(readFileSync(path.join(dir, 'update.pb')));
  });
}

/** The `common.Envelope` of a config update with its signatures, as the orderer (and `peer channel update`) take it. */
export function updateEnvelope(channel: string, update: Uint8Array, signatures: readonly common.ConfigSignature[]): Uint8Array {
  const channelHeader = new common.ChannelHeader();
  channelHeader.setType(common.HeaderType.CONFIG_UPDATE);
  channelHeader.setChannelId(channel);
  const header = new common.Header();
  header.setChannelHeader(channelHeader.serializeBinary());
  const body = new common.ConfigUpdateEnvelope();
  body.setConfigUpdate(update);
  body.setSignaturesList([...signatures]);
  const payload = new common.Payload();
  payload.setHeader(header);
  payload.setData(body.serializeBinary());
  const envelope = new common.Envelope();
  envelope.setPayload(payload.serializeBinary());
  return envelope.serializeBinary();
}
