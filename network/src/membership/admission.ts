/**
 * Admitting a firm to the channel and removing a member, as channel
 * configuration updates that a majority of the members' admins sign:
 *
 * 1. the firm prepares on its own ({@link prepareMembershipRequest}): its CA,
 *    identities and peer in its own folder, and a membership request that
 *    holds only public material;
 * 2. a City admin proposes ({@link proposeAdmission}, {@link proposeRemoval});
 * 3. each member's admin signs, any admin submits (./proposal.ts);
 * 4. the firm's peer joins ({@link joinChannel}): the config block, the same
 *    chaincode package, its approval of the committed definition.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { schemas, type ParticipantInput } from '@lotline/domain';
import { bin } from '../binaries';
import { committedDefinition, startOrgChaincodeServer } from '../chaincode';
import { endpoint, findOrg, joinedOrgsFile, loadConfig, port, resolveOrg, type NetworkConfig, type Org, type TopologyOrg } from '../config';
import { issueIdentities, startCa } from '../identities';
import { applicationOrgProfile, peerAdminEnv, peerChannels, startPeer } from '../nodes';
import { connectOrg, ledgerOf, waitForEndorsers } from '../peer-access';
import { pollUntil, run } from '../processes';
import { ActionableError, detail, step } from '../progress';
import {
  applicationMembers,
  fetchBlock,
  fetchConfig,
  majorityOf,
  ordererFlags,
  type ChannelConfig,
  type ConfigGroup,
} from './channel-config';
import { createProposal, type Proposal } from './proposal';

/** The file of firms that may apply (`network/candidates.json`), with their ports on this machine. */
export function candidatesFile(config: NetworkConfig): string {
  return process.env.LOTLINE_CANDIDATES ?? path.join(config.repoRoot, 'network', 'candidates.json');
}

/** A firm of the candidates file, by key, name or MSP ID, with its folders in this data folder. */
export function candidateOrg(config: NetworkConfig, ref: string): { org: Org; topology: TopologyOrg } {
  const { orgs } = JSON.parse(readFileSync(candidatesFile(config), 'utf8')) as { orgs: TopologyOrg[] };
  const wanted = ref.toLowerCase();
  const topology = orgs.find((o) => [o.key, o.name.toLowerCase(), o.mspId.toLowerCase()].includes(wanted));
  if (!topology)
    throw new ActionableError(`no firm "${ref}" in ${candidatesFile(config)}: use one of ${orgs.map((o) => o.name).join(', ')}`);
  return { org: resolveOrg(process.env, config.dataDir, topology), topology };
}

/** `membership-request.json`: what a firm hands to the City to apply. Public material only. */
export interface MembershipRequest {
  format: 'lotline/membership-request@1';
  mspId: string;
  name: string;
  /** Where its nodes run on this machine (ports before the port offset), for the topology of the host that joins it. */
  topology: TopologyOrg;
  peer: { endpoint: string; anchor: { host: string; port: number } };
  /** PEM: the root CA of its MSP, its TLS root CA, and its admin's certificate. */
  certificates: { ca: string; tlsCa: string; admin: string };
  /** Its organisation group for the channel configuration (`configtxgen -printOrg`), with its anchor peer. */
  orgGroup: ConfigGroup;
  createdAt: string;
}

/** Where a firm keeps its membership request: in its own folder. */
export function requestFile(org: Org): string {
  return path.join(path.dirname(org.paths.msp), 'membership-request.json');
}

export function readRequest(file: string): MembershipRequest {
  if (!existsSync(file))
    throw new ActionableError(`no membership request at ${file}: the firm writes one with lotline member request --firm <name>`);
  const request = JSON.parse(readFileSync(file, 'utf8')) as MembershipRequest;
  if (request.format !== 'lotline/membership-request@1') throw new ActionableError(`${file} is not a Lotline membership request`);
  return request;
}

/** The organisation group of a firm, from its own MSP folder (public certificates only), with configtxgen. */
async function printOrgGroup(config: NetworkConfig, org: Org): Promise<ConfigGroup> {
  const dir = path.join(config.dataDir, 'config', `configtx-${org.key}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'configtx.yaml'), YAML.stringify({ Organizations: [applicationOrgProfile(org)] }));
  const out = await run(bin(config, 'configtxgen'), ['-printOrg', org.mspId], {
    env: { ...process.env, FABRIC_CFG_PATH: dir },
    what: `describing ${org.name}'s organisation with configtxgen -printOrg`,
  });
  const group = JSON.parse(out) as ConfigGroup;
  group.values.AnchorPeers ??= {
    mod_policy: 'Admins',
    value: { anchor_peers: [{ host: org.host, port: port(org, 'peer') }] },
    version: '0',
  };
  return group;
}

/**
 * The firm's own preparation: its Fabric CA, its node, admin and user
 * identities, its peer, and its membership request in its own folder.
 */
export async function prepareMembershipRequest(config: NetworkConfig, ref: string): Promise<{ file: string; request: MembershipRequest }> {
  const { org, topology } = candidateOrg(config, ref);
  step(`${org.name}: starting its own Fabric CA`);
  await startCa(config, org);
  step(`${org.name}: issuing its peer, admin and user identities`);
  await issueIdentities(config, org);
  step(`${org.name}: starting its peer`);
  await startPeer(config, org);
  const pem = (file: string) => readFileSync(file, 'utf8');
  const request: MembershipRequest = {
    format: 'lotline/membership-request@1',
    mspId: org.mspId,
    name: org.name,
    topology,
    peer: { endpoint: endpoint(org, 'peer'), anchor: { host: org.host, port: port(org, 'peer') } },
    certificates: {
      ca: pem(path.join(org.paths.msp, 'cacerts', 'ca.pem')),
      tlsCa: pem(path.join(org.paths.msp, 'tlscacerts', 'tlsca.pem')),
      admin: pem(path.join(org.paths.adminMsp, 'signcerts', 'cert.pem')),
    },
    orgGroup: await printOrgGroup(config, org),
    createdAt: new Date().toISOString(),
  };
  const file = requestFile(org);
  writeFileSync(file, `${JSON.stringify(request, null, 2)}\n`);
  return { file, request };
}

function clone<T>(value: T): T {
  return structuredClone(value);
}

function application(channelConfig: ChannelConfig): ConfigGroup {
  const app = channelConfig.channel_group.groups.Application;
  if (!app) throw new ActionableError('the channel configuration has no Application group');
  return app;
}

/** The policy that governs the Application group: MAJORITY of its organisations' Admins. */
function majorityAdmins(members: string[]) {
  return { path: '/Channel/Application/Admins', rule: 'MAJORITY Admins', members, required: majorityOf(members.length) };
}

/** A City admin turns a membership request into a proposal: the firm in the Application group. */
export async function proposeAdmission(
  config: NetworkConfig,
  proposer: Org,
  requestPath: string,
): Promise<{ dir: string; proposal: Proposal }> {
  const request = readRequest(requestPath);
  const base = await fetchConfig(config, proposer);
  const members = applicationMembers(base.config);
  if (members.includes(request.mspId)) throw new ActionableError(`${request.mspId} is already a member of ${config.channel}`);
  const updated = clone(base.config);
  application(updated).groups[request.mspId] = request.orgGroup;
  const dir = await createProposal(config, {
    kind: 'admit',
    subject: { mspId: request.mspId, name: request.name },
    summary: `admit ${request.name} (${request.mspId}) to ${config.channel}: its organisation in the Application group, anchor peer ${request.peer.anchor.host}:${request.peer.anchor.port}`,
    proposedBy: proposer,
    base,
    updated,
    policy: majorityAdmins(members),
    attachment: { request: { mspId: request.mspId, name: request.name, peer: request.peer } },
  });
  return { dir, proposal: JSON.parse(readFileSync(path.join(dir, 'proposal.json'), 'utf8')) as Proposal };
}

/** A City admin proposes removing a member: its organisation leaves the Application group. */
export async function proposeRemoval(config: NetworkConfig, proposer: Org, mspId: string): Promise<{ dir: string; proposal: Proposal }> {
  const base = await fetchConfig(config, proposer);
  const members = applicationMembers(base.config);
  if (!members.includes(mspId)) throw new ActionableError(`${mspId} is not a member of ${config.channel} (members: ${members.join(', ')})`);
  if (base.config.channel_group.groups.Orderer?.groups[mspId]) {
    throw new ActionableError(
      `${mspId} also runs a Raft orderer: removing it needs a consenter change too, which Lotline does not propose; remove its orderer first`,
    );
  }
  const updated = clone(base.config);
  application(updated).groups = Object.fromEntries(Object.entries(application(updated).groups).filter(([id]) => id !== mspId));
  const name = config.orgs.find((o) => o.mspId === mspId)?.name ?? mspId;
  const dir = await createProposal(config, {
    kind: 'remove',
    subject: { mspId, name },
    summary: `remove ${name} (${mspId}) from ${config.channel}: its peers stop endorsing and receiving blocks; its records stay on the ledger`,
    proposedBy: proposer,
    base,
    updated,
    policy: majorityAdmins(members),
  });
  return { dir, proposal: JSON.parse(readFileSync(path.join(dir, 'proposal.json'), 'utf8')) as Proposal };
}

function readJoined(config: NetworkConfig): TopologyOrg[] {
  const file = joinedOrgsFile(config.dataDir);
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as TopologyOrg[]) : [];
}

function writeJoined(config: NetworkConfig, orgs: TopologyOrg[]): void {
  const file = joinedOrgsFile(config.dataDir);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(orgs, null, 2)}\n`);
}

/** After a removal: this host no longer counts the organisation as a member (its processes are left to its operator). */
export function forgetMember(config: NetworkConfig, mspId: string): void {
  writeJoined(
    config,
    readJoined(config).filter((o) => o.mspId !== mspId),
  );
}

/** The height of the channel on an organisation's peer (`peer channel getinfo`). */
export async function peerHeight(config: NetworkConfig, org: Org): Promise<number> {
  const out = await run(bin(config, 'peer'), ['channel', 'getinfo', '-c', config.channel], {
    env: peerAdminEnv(config, org),
    what: `reading the height of ${config.channel} on the ${org.name} peer`,
  });
  const match = /"height":(\d+)/.exec(out);
  if (!match?.[1]) throw new ActionableError(`unexpected peer channel getinfo output: ${out.trim()}`);
  return Number(match[1]);
}

/** Waits until every local member's peer has committed block `blockNumber` (its height is above it). */
export async function waitForPeersAt(config: NetworkConfig, blockNumber: number, timeoutSec = 60): Promise<void> {
  const peers = config.orgs.filter((o) => config.localOrgs.has(o.key));
  const lagging = async () => {
    const heights = await Promise.all(peers.map((o) => peerHeight(config, o)));
    return peers.filter((_, i) => (heights[i] ?? 0) <= blockNumber);
  };
  if (!(await pollUntil(async () => (await lagging()).length === 0, timeoutSec, 250))) {
    const names = (await lagging()).map((o) => o.name).join(', ');
    throw new ActionableError(
      `the ${names} peer(s) did not commit block ${blockNumber} within ${timeoutSec} s: check them with npm run status`,
    );
  }
}

/** What {@link joinChannel} reports. */
export interface Joined {
  org: Org;
  height: number;
  members: string[];
  /** How many organisations MAJORITY Endorsement now needs, of how many. */
  endorsement: { required: number; of: number };
  packageId: string;
  sequence: number;
}

/**
 * The admitted firm's peer joins the channel from its genesis block, then
 * catches up (the config block that admitted it included); installs the same
 * chaincode package; runs its chaincode server; and approves the committed
 * definition for its organisation, without which its peer cannot endorse.
 */
export async function joinChannel(config: NetworkConfig, ref: string): Promise<Joined> {
  const { org, topology } = candidateOrg(config, ref);
  const { config: channelConfig } = await fetchConfig(config, org).catch((err: unknown) => {
    throw new ActionableError(
      `${org.name} is not a member of ${config.channel} yet: its admission must be submitted first (lotline member submit)`,
      {
        cause: err,
      },
    );
  });
  const members = applicationMembers(channelConfig);
  if (!members.includes(org.mspId))
    throw new ActionableError(`${org.mspId} is not in the channel configuration: submit its admission first`);
  await startPeer(config, org);
  if (!(await peerChannels(config, org)).includes(config.channel)) {
    const genesis = path.join(path.dirname(org.paths.msp), 'channel', `${config.channel}-0.block`);
    mkdirSync(path.dirname(genesis), { recursive: true });
    await fetchBlock(config, org, 0, genesis);
    await run(bin(config, 'peer'), ['channel', 'join', '-b', genesis], {
      env: peerAdminEnv(config, org),
      what: `joining the ${org.name} peer to ${config.channel}`,
    });
    detail(`${org.name} peer joined ${config.channel} from its genesis block`);
  }
  const reference = config.orgs[0];
  if (!reference) throw new Error('the topology has no organisations');
  step(`${org.name} peer: catching up with the ${reference.name} peer`);
  let height = 0;
  const target = await peerHeight(config, reference);
  // A peer that joined from the genesis block replays the channel's history with the configuration of each height:
  // until it has committed the update that admitted its organisation, that configuration refuses its own admin
  // (`access denied ... /Channel/Application/Readers`), which here only means "not caught up yet".
  const caughtUp = async (): Promise<boolean> => {
    try {
      height = await peerHeight(config, org);
    } catch (error) {
      if (/access denied/.test(String((error as Error).message))) return false;
      throw error;
    }
    return height >= target;
  };
  if (!(await pollUntil(caughtUp, 120, 500))) {
    throw new ActionableError(`the ${org.name} peer reached height ${height} of ${target} within 120 s: see its log in ${config.logsDir}`);
  }

  const definition = await committedDefinition(config, org);
  if (!definition)
    throw new ActionableError(`no chaincode ${config.chaincode} is committed on ${config.channel}: deploy it first (npm run deploy)`);
  const label = `${config.chaincode}_${definition.version}`;
  const pkg = path.join(config.dataDir, 'chaincode', `${label}.tar.gz`);
  if (!existsSync(pkg))
    throw new ActionableError(`the chaincode package ${pkg} is missing: it is the one the members installed (npm run deploy writes it)`);
  const packageId = `${label}:${createHash('sha256').update(readFileSync(pkg)).digest('hex')}`;
  const peerCli = (args: string[], what: string) => run(bin(config, 'peer'), args, { env: peerAdminEnv(config, org), what });
  const installed = await peerCli(['lifecycle', 'chaincode', 'queryinstalled', '--output', 'json'], `listing chaincode on ${org.name}`);
  if (!installed.includes(packageId)) {
    await peerCli(['lifecycle', 'chaincode', 'install', pkg], `installing the chaincode on the ${org.name} peer`);
    detail(`installed ${label} (the package every member installed) on the ${org.name} peer`);
  }
  await startOrgChaincodeServer(config, org, packageId);
  const ids = ['--channelID', config.channel, '--name', config.chaincode];
  const approved = await peerCli(
    ['lifecycle', 'chaincode', 'queryapproved', ...ids, '--sequence', String(definition.sequence), '--output', 'json'],
    `reading ${org.name}'s approval`,
  ).catch(() => '');
  if (!approved.includes(packageId)) {
    await peerCli(
      [
        'lifecycle',
        'chaincode',
        'approveformyorg',
        ...(await ordererFlags(config)),
        ...ids,
        '--version',
        definition.version,
        '--sequence',
        String(definition.sequence),
        '--package-id',
        packageId,
      ],
      `approving the committed definition of ${config.chaincode} for ${org.name}`,
    );
    detail(`${org.name} approved ${config.chaincode} ${definition.version} (sequence ${definition.sequence}, already committed)`);
  }
  if (!readJoined(config).some((o) => o.mspId === org.mspId)) writeJoined(config, [...readJoined(config), topology]);
  const withMember = loadConfig();
  step(`waiting until discovery lists endorsers of ${config.chaincode} for all ${members.length} organisations`);
  await waitForEndorsers(withMember, { orgs: [findOrg(withMember, org.key)], timeoutMs: 120_000 });
  return {
    org,
    height,
    members,
    endorsement: { required: majorityOf(members.length), of: members.length },
    packageId,
    sequence: definition.sequence,
  };
}

/** The participant registry's membership states. */
export type Membership = NonNullable<ParticipantInput['membership']>;

/**
 * A City admin (`admin1`, from City's own folder) records a firm's membership
 * state in the participant registry. Returns the transaction id.
 */
export async function recordMembership(config: NetworkConfig, mspId: string, membership: Membership): Promise<string | undefined> {
  const city = findOrg(config, 'City');
  const connection = connectOrg(city, 'admin1');
  try {
    const ledger = ledgerOf(config, connection);
    const current = await ledger.readParticipant(mspId).catch(() => undefined);
    if (!current) return undefined;
    // Only the fields the registry takes as input (the record adds docType and timestamps).
    const fields = Object.keys(schemas.participant.shape);
    const input = Object.fromEntries(Object.entries(current).filter(([key]) => fields.includes(key))) as ParticipantInput;
    const name = input.name.replace(/,? ?not yet a member\)/, ')').replace(/ \(\)$/, '');
    const next: ParticipantInput = { ...input, name, membership };
    const result = await ledger.upsertParticipant(next);
    return result.txId;
  } finally {
    connection.close();
  }
}
