/**
 * Orderers, peers and the `lotline` channel: channel configuration from
 * configtxgen, node configuration from Fabric's sampleconfig plus overrides,
 * and channel participation (osnadmin for orderers, `peer channel join`).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { bin } from './binaries';
import { endpoint, OPERATIONS_HOST, operationsAddress, opsUrl, port, tlsRootCert, type NetworkConfig, type Org } from './config';
import { mspCert, mspKey } from './identities';
import { httpOk, isListening, logTail, pollUntil, run, startProcess } from './processes';
import { ActionableError, detail } from './progress';

/** Plain log lines (the default format carries ANSI colour codes). */
const LOG_FORMAT = '%{time:2006-01-02 15:04:05.000 MST} [%{module}] %{shortfunc} -> %{level:.4s} %{message}';

export function channelBlock(config: NetworkConfig): string {
  return path.join(config.dataDir, 'channel', `${config.channel}.block`);
}

export function ordererOrgs(config: NetworkConfig): Org[] {
  return config.orgs.filter((o) => o.runsOrderer);
}

function signature(rule: string) {
  return { Type: 'Signature', Rule: rule };
}

function implicit(rule: string) {
  return { Type: 'ImplicitMeta', Rule: rule };
}

/**
 * An application (peer) organisation as configtx.yaml describes it: its MSP
 * folder, its own Readers/Writers/Admins/Endorsement policies and its anchor
 * peer. The channel's organisations and a firm that applies for membership
 * (`configtxgen -printOrg`, network/src/membership) are described alike.
 */
export function applicationOrgProfile(org: Org) {
  const or = (roles: string[]) => `OR(${roles.map((r) => `'${org.mspId}.${r}'`).join(', ')})`;
  return {
    Name: org.mspId,
    ID: org.mspId,
    MSPDir: org.paths.msp,
    Policies: {
      Readers: signature(or(['admin', 'peer', 'client'])),
      Writers: signature(or(['admin', 'client'])),
      Admins: signature(or(['admin'])),
      Endorsement: signature(or(['peer'])),
    },
    AnchorPeers: [{ Host: org.host, Port: port(org, 'peer') }],
  };
}

/** Writes configtx.yaml for the channel, generated from the topology. */
function writeConfigtx(config: NetworkConfig): string {
  const dir = path.join(config.dataDir, 'config', 'configtx');
  mkdirSync(dir, { recursive: true });
  const or = (org: Org, roles: string[]) => `OR(${roles.map((r) => `'${org.mspId}.${r}'`).join(', ')})`;
  const ordererOrg = (org: Org) => ({
    Name: org.mspId,
    ID: org.mspId,
    MSPDir: org.paths.msp,
    Policies: {
      Readers: signature(or(org, ['admin', 'peer', 'client', 'orderer'])),
      Writers: signature(or(org, ['admin', 'client', 'orderer'])),
      Admins: signature(or(org, ['admin'])),
    },
    OrdererEndpoints: [endpoint(org, 'orderer')],
  });
  const peerOrg = applicationOrgProfile;
  const t = config.orderer;
  const doc = {
    Profiles: {
      LotlineChannel: {
        Policies: { Readers: implicit('ANY Readers'), Writers: implicit('ANY Writers'), Admins: implicit('MAJORITY Admins') },
        Capabilities: { V2_0: true },
        Orderer: {
          OrdererType: 'etcdraft',
          BatchTimeout: t.batchTimeout,
          BatchSize: { MaxMessageCount: t.maxMessageCount, AbsoluteMaxBytes: t.absoluteMaxBytes, PreferredMaxBytes: t.preferredMaxBytes },
          EtcdRaft: {
            Consenters: ordererOrgs(config).map((org) => ({
              Host: org.host,
              Port: port(org, 'orderer'),
              ClientTLSCert: path.join(org.paths.ordererTls, 'server.crt'),
              ServerTLSCert: path.join(org.paths.ordererTls, 'server.crt'),
            })),
            Options: {
              TickInterval: t.tickInterval,
              ElectionTick: t.electionTick,
              HeartbeatTick: t.heartbeatTick,
              MaxInflightBlocks: 5,
              // Below PreferredMaxBytes, or restarts can deadlock in Fabric 2.5.0: see checkOrdererTuning.
              SnapshotIntervalSize: t.snapshotIntervalSize,
            },
          },
          Organizations: ordererOrgs(config).map(ordererOrg),
          Policies: {
            Readers: implicit('ANY Readers'),
            Writers: implicit('ANY Writers'),
            Admins: implicit('MAJORITY Admins'),
            BlockValidation: implicit('ANY Writers'),
          },
          Capabilities: { V2_0: true },
        },
        Application: {
          Organizations: config.orgs.map(peerOrg),
          Policies: {
            Readers: implicit('ANY Readers'),
            Writers: implicit('ANY Writers'),
            Admins: implicit('MAJORITY Admins'),
            LifecycleEndorsement: implicit('MAJORITY Endorsement'),
            Endorsement: implicit('MAJORITY Endorsement'),
          },
          Capabilities: { V2_5: true },
        },
      },
    },
  };
  writeFileSync(path.join(dir, 'configtx.yaml'), YAML.stringify(doc));
  return dir;
}

/** Creates the channel's genesis block with configtxgen (once). */
export async function createChannelBlock(config: NetworkConfig): Promise<void> {
  const block = channelBlock(config);
  if (existsSync(block)) return;
  const cfgDir = writeConfigtx(config);
  mkdirSync(path.dirname(block), { recursive: true });
  await run(bin(config, 'configtxgen'), ['-profile', 'LotlineChannel', '-outputBlock', block, '-channelID', config.channel], {
    env: { ...process.env, FABRIC_CFG_PATH: cfgDir },
    what: 'creating the channel genesis block with configtxgen',
  });
}

/** Environment of an orderer process: sampleconfig's orderer.yaml with overrides. */
function ordererEnv(config: NetworkConfig, org: Org): NodeJS.ProcessEnv {
  const tls = org.paths.ordererTls;
  const data = org.paths.ordererData;
  const listen = config.listenHost;
  return {
    PATH: process.env.PATH,
    FABRIC_CFG_PATH: config.bin.sampleConfig,
    FABRIC_LOGGING_SPEC: 'INFO',
    FABRIC_LOGGING_FORMAT: LOG_FORMAT,
    ORDERER_GENERAL_LISTENADDRESS: listen,
    ORDERER_GENERAL_LISTENPORT: String(port(org, 'orderer')),
    ORDERER_GENERAL_LOCALMSPID: org.mspId,
    ORDERER_GENERAL_LOCALMSPDIR: org.paths.ordererMsp,
    ORDERER_GENERAL_TLS_ENABLED: 'true',
    ORDERER_GENERAL_TLS_PRIVATEKEY: path.join(tls, 'server.key'),
    ORDERER_GENERAL_TLS_CERTIFICATE: path.join(tls, 'server.crt'),
    ORDERER_GENERAL_TLS_ROOTCAS: `[${path.join(tls, 'ca.crt')}]`,
    ORDERER_GENERAL_BOOTSTRAPMETHOD: 'none',
    // Peers ping every 10 s (KEEPALIVE_TIMINGS); below Fabric's default minimum (60 s) gRPC may close the connection.
    ORDERER_GENERAL_KEEPALIVE_SERVERMININTERVAL: '10s',
    ORDERER_CHANNELPARTICIPATION_ENABLED: 'true',
    ORDERER_ADMIN_LISTENADDRESS: `${listen}:${port(org, 'ordererAdmin')}`,
    ORDERER_ADMIN_TLS_ENABLED: 'true',
    ORDERER_ADMIN_TLS_PRIVATEKEY: path.join(tls, 'server.key'),
    ORDERER_ADMIN_TLS_CERTIFICATE: path.join(tls, 'server.crt'),
    ORDERER_ADMIN_TLS_ROOTCAS: `[${path.join(tls, 'ca.crt')}]`,
    ORDERER_ADMIN_TLS_CLIENTAUTHREQUIRED: 'true',
    ORDERER_ADMIN_TLS_CLIENTROOTCAS: `[${path.join(tls, 'ca.crt')}]`,
    ORDERER_FILELEDGER_LOCATION: path.join(data, 'ledger'),
    ORDERER_CONSENSUS_WALDIR: path.join(data, 'etcdraft', 'wal'),
    ORDERER_CONSENSUS_SNAPDIR: path.join(data, 'etcdraft', 'snapshot'),
    ORDERER_OPERATIONS_LISTENADDRESS: operationsAddress(org, 'ordererOps'),
    ORDERER_METRICS_PROVIDER: 'prometheus',
  };
}

export function ordererProcessName(org: Org): string {
  return `orderer-${org.key}`;
}

export function peerProcessName(org: Org): string {
  return `peer-${org.key}`;
}

export async function startOrderer(config: NetworkConfig, org: Org): Promise<boolean> {
  mkdirSync(org.paths.ordererData, { recursive: true });
  return startProcess(config, {
    name: ordererProcessName(org),
    command: bin(config, 'orderer'),
    args: [],
    env: ordererEnv(config, org),
    ports: [
      ...(['orderer', 'ordererAdmin'] as const).map((p) => ({ host: config.listenHost, port: port(org, p), what: `${org.name} ${p}` })),
      { host: OPERATIONS_HOST, port: port(org, 'ordererOps'), what: `${org.name} ordererOps` },
    ],
    // Healthy operations endpoint and a listening admin endpoint: the admin listener can lag behind.
    ready: async () =>
      (await httpOk(opsUrl(org, 'ordererOps', '/healthz'))) &&
      (await isListening(org.host, port(org, 'ordererAdmin'))) &&
      isListening(org.host, port(org, 'orderer')),
  });
}

function osnadminArgs(org: Org): string[] {
  return [
    '-o',
    endpoint(org, 'ordererAdmin'),
    '--ca-file',
    tlsRootCert(org),
    '--client-cert',
    path.join(org.paths.adminTls, 'server.crt'),
    '--client-key',
    path.join(org.paths.adminTls, 'server.key'),
  ];
}

/** Joins an orderer to the channel through its admin endpoint, unless it already is. */
export async function joinOrderer(config: NetworkConfig, org: Org): Promise<void> {
  const list = await run(bin(config, 'osnadmin'), ['channel', 'list', ...osnadminArgs(org)], {
    what: `listing the channels of the ${org.name} orderer`,
  });
  if (list.includes(`"name": "${config.channel}"`) || list.includes(`"name":"${config.channel}"`)) return;
  await run(
    bin(config, 'osnadmin'),
    ['channel', 'join', '--channelID', config.channel, '--config-block', channelBlock(config), ...osnadminArgs(org)],
    {
      what: `joining the ${org.name} orderer to ${config.channel}`,
    },
  );
  detail(`${org.name} orderer joined ${config.channel}`);
}

/** True when one of the orderers reports itself Raft leader of the channel (from its metrics). */
export async function hasRaftLeader(config: NetworkConfig): Promise<boolean> {
  for (const org of ordererOrgs(config)) {
    try {
      const res = await fetch(opsUrl(org, 'ordererOps', '/metrics'), { signal: AbortSignal.timeout(2000) });
      const text = await res.text();
      const re = new RegExp(`^consensus_etcdraft_is_leader\\{channel="${config.channel}"\\} 1$`, 'm');
      if (re.test(text)) return true;
    } catch {
      // that orderer is down; try the next
    }
  }
  return false;
}

/** Waits until the ordering service has elected a Raft leader for the channel. */
export async function waitForRaftLeader(config: NetworkConfig, timeoutSec = 180): Promise<void> {
  if (!(await pollUntil(() => hasRaftLeader(config), timeoutSec, 250))) {
    const tails = ordererOrgs(config)
      .map((o) => `--- ${ordererProcessName(o)} ---\n${logTail(config, ordererProcessName(o), 8)}`)
      .join('\n');
    throw new ActionableError(
      `the ordering service elected no Raft leader for ${config.channel} within ${timeoutSec}s.\n${tails}\n` +
        `  At least two of the three orderers must run: check 'npm run status' and the orderer logs in ${config.logsDir}.`,
    );
  }
}

/**
 * How an organisation's peer dials its own chaincode server, as the ccaas
 * builder's `release` reads it: the server's address, the CA that issued the
 * server's TLS certificate, and the peer's TLS client certificate and key
 * (from the organisation's chaincode-client CA, the only one the server accepts).
 */
export function chaincodeDialEnv(org: Org): Record<string, string> {
  const client = org.paths.peerChaincodeClientTls;
  return {
    LOTLINE_CC_ADDRESS: endpoint(org, 'chaincode'),
    LOTLINE_CC_ROOT_CERT_FILE: tlsRootCert(org),
    LOTLINE_CC_CLIENT_CERT_FILE: path.join(client, 'server.crt'),
    LOTLINE_CC_CLIENT_KEY_FILE: path.join(client, 'server.key'),
  };
}

/** Writes the peer's core.yaml: sampleconfig with no Docker endpoint and the ccaas builder. */
function writePeerConfig(config: NetworkConfig, org: Org): string {
  const dir = org.paths.peerConfig;
  mkdirSync(dir, { recursive: true });
  const core = YAML.parse(readFileSync(path.join(config.bin.sampleConfig, 'core.yaml'), 'utf8')) as Record<string, Record<string, unknown>>;
  // An empty CORE_VM_ENDPOINT is ignored by the config loader, so the file itself must say it.
  (core.vm as Record<string, unknown>).endpoint = '';
  (core.chaincode as Record<string, unknown>).externalBuilders = [
    {
      name: 'lotline-ccaas',
      path: path.join(config.repoRoot, 'network', 'builders', 'ccaas'),
      // What the builder's `release` fills into the package's connection.json (network/builders/ccaas/bin/release).
      propagateEnvironment: Object.keys(chaincodeDialEnv(org)),
    },
  ];
  writeFileSync(path.join(dir, 'core.yaml'), YAML.stringify(core));
  return dir;
}

/**
 * How soon a connection to a host that vanished (cut off, not closed) is found dead, and how soon the Gateway moves
 * on from an orderer that does not answer. Fabric's defaults detect it after 60–80 s: the peer's deliver client pings
 * its orderer every 60 s and waits 20 s, the servers refuse pings more often than every 60 s, and the Gateway waits
 * 30 s for an orderer's answer, longer than the ledger client's 10 s submit deadline, so it never tried the next
 * orderer within one call. The Gateway's own connections ping every 10 s (gRPC's floor; Fabric 2.5 sets no interval
 * for them) and give up after 20 s; the servers now accept that.
 */
const KEEPALIVE_TIMINGS = {
  CORE_PEER_KEEPALIVE_MININTERVAL: '10s',
  CORE_PEER_KEEPALIVE_CLIENT_INTERVAL: '10s',
  CORE_PEER_KEEPALIVE_CLIENT_TIMEOUT: '10s',
  CORE_PEER_KEEPALIVE_DELIVERYCLIENT_INTERVAL: '10s',
  CORE_PEER_KEEPALIVE_DELIVERYCLIENT_TIMEOUT: '10s',
  // An orderer's Broadcast answer normally takes milliseconds (a follower forwards to the leader and answers).
  CORE_PEER_GATEWAY_BROADCASTTIMEOUT: '5s',
} as const;

/** Gossip timings for a consortium of a handful of peers (core.yaml `peer.gossip.*`). */
const GOSSIP_TIMINGS = {
  CORE_PEER_GOSSIP_ALIVETIMEINTERVAL: '2s',
  CORE_PEER_GOSSIP_ALIVEEXPIRATIONTIMEOUT: '10s',
  CORE_PEER_GOSSIP_RECONNECTINTERVAL: '5s',
  CORE_PEER_GOSSIP_PUBLISHSTATEINFOINTERVAL: '1s',
} as const;

function peerEnv(config: NetworkConfig, org: Org): NodeJS.ProcessEnv {
  const tls = org.paths.peerTls;
  const listen = config.listenHost;
  return {
    PATH: process.env.PATH,
    FABRIC_CFG_PATH: writePeerConfig(config, org),
    FABRIC_LOGGING_SPEC: 'INFO:gossip=WARNING',
    FABRIC_LOGGING_FORMAT: LOG_FORMAT,
    CORE_PEER_ID: `peer0.${org.key}`,
    CORE_PEER_ADDRESS: endpoint(org, 'peer'),
    CORE_PEER_LISTENADDRESS: `${listen}:${port(org, 'peer')}`,
    CORE_PEER_CHAINCODEADDRESS: endpoint(org, 'peerChaincode'),
    CORE_PEER_CHAINCODELISTENADDRESS: `${listen}:${port(org, 'peerChaincode')}`,
    CORE_PEER_GOSSIP_BOOTSTRAP: endpoint(org, 'peer'),
    CORE_PEER_GOSSIP_EXTERNALENDPOINT: endpoint(org, 'peer'),
    // Discovery learns which peers run the chaincode through gossip. The defaults (alive messages every 5 s, a
    // dead peer retried every 25 s, state info every 4 s) made the readiness rule wait ~25 s after a restart.
    ...GOSSIP_TIMINGS,
    // A new connection from the Gateway to an endorser or orderer must be up within this time, else it tries the next
    // one. Fabric's default (2 m) is capped only by the client's deadline, so a call that picked an unreachable host
    // spent its whole deadline dialling. (A connection made before the host became unreachable still hangs until the
    // deadline: the ledger client then sends the same transaction again, see ledger-client/src/transactions.ts.)
    CORE_PEER_GATEWAY_DIALTIMEOUT: '5s',
    ...KEEPALIVE_TIMINGS,
    CORE_PEER_LOCALMSPID: org.mspId,
    CORE_PEER_MSPCONFIGPATH: org.paths.peerMsp,
    CORE_PEER_TLS_ENABLED: 'true',
    CORE_PEER_TLS_CERT_FILE: path.join(tls, 'server.crt'),
    CORE_PEER_TLS_KEY_FILE: path.join(tls, 'server.key'),
    CORE_PEER_TLS_ROOTCERT_FILE: path.join(tls, 'ca.crt'),
    CORE_PEER_FILESYSTEMPATH: org.paths.peerData,
    CORE_LEDGER_SNAPSHOTS_ROOTDIR: path.join(org.paths.peerData, 'snapshots'),
    CORE_LEDGER_STATE_STATEDATABASE: 'goleveldb',
    CORE_OPERATIONS_LISTENADDRESS: operationsAddress(org, 'peerOps'),
    CORE_METRICS_PROVIDER: 'prometheus',
    CORE_PEER_GATEWAY_ENABLED: 'true',
    ...chaincodeDialEnv(org),
  };
}

export async function startPeer(config: NetworkConfig, org: Org): Promise<boolean> {
  mkdirSync(org.paths.peerData, { recursive: true });
  return startProcess(config, {
    name: peerProcessName(org),
    command: bin(config, 'peer'),
    args: ['node', 'start'],
    env: peerEnv(config, org),
    ports: [
      ...(['peer', 'peerChaincode'] as const).map((p) => ({ host: config.listenHost, port: port(org, p), what: `${org.name} ${p}` })),
      { host: OPERATIONS_HOST, port: port(org, 'peerOps'), what: `${org.name} peerOps` },
    ],
    ready: async () => (await httpOk(opsUrl(org, 'peerOps', '/healthz'))) && isListening(org.host, port(org, 'peer')),
  });
}

/** Environment for the `peer` CLI acting as the organisation's admin against its own peer. */
export function peerAdminEnv(config: NetworkConfig, org: Org): NodeJS.ProcessEnv {
  return {
    ...process.env,
    FABRIC_CFG_PATH: config.bin.sampleConfig,
    FABRIC_LOGGING_SPEC: 'WARNING',
    CORE_PEER_LOCALMSPID: org.mspId,
    CORE_PEER_MSPCONFIGPATH: org.paths.adminMsp,
    CORE_PEER_ADDRESS: endpoint(org, 'peer'),
    CORE_PEER_TLS_ENABLED: 'true',
    CORE_PEER_TLS_ROOTCERT_FILE: tlsRootCert(org),
  };
}

/** Channels that an organisation's peer has joined. */
export async function peerChannels(config: NetworkConfig, org: Org): Promise<string[]> {
  const out = await run(bin(config, 'peer'), ['channel', 'list'], {
    env: peerAdminEnv(config, org),
    what: `listing the channels of the ${org.name} peer`,
  });
  return out
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('Channels peers has joined'));
}

export async function joinPeer(config: NetworkConfig, org: Org): Promise<void> {
  if ((await peerChannels(config, org)).includes(config.channel)) return;
  await run(bin(config, 'peer'), ['channel', 'join', '-b', channelBlock(config)], {
    env: peerAdminEnv(config, org),
    what: `joining the ${org.name} peer to ${config.channel}`,
  });
  detail(`${org.name} peer joined ${config.channel}`);
}

/** Paths of an organisation admin's signing identity (for tests and tools). */
export function adminIdentity(org: Org): { cert: string; key: string } {
  return { cert: mspCert(org.paths.adminMsp), key: mspKey(org.paths.adminMsp) };
}
