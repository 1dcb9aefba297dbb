// A real Fabric network on this machine, without Docker: one Raft orderer,
// one peer for each of two organizations (a data owner and a provider), the
// trust authority's client identities, and the sovereignty chaincode running
// as a service (one fabric-chaincode-node server per organization),
// deployed through the lifecycle: install, approve, commit.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { fabricBinaries, REPO_ROOT } from '../controlplane/binaries.ts';
import { run } from '../controlplane/kubectl.ts';
import type { FabricConnection } from '../ledger/fabric/fabric-gateway.ts';
import { freePort, ManagedProcess, StartupError, waitFor } from '../controlplane/process.ts';
import {
  adminMspDir,
  cryptogenUser,
  generateCryptoMaterial,
  issueRoleIdentity,
  ORDERER_DOMAIN,
  ordererDir,
  orgDir,
  ORGS,
  peerDir,
  type FabricIdentity,
  type OrgSpec,
} from './crypto-material.ts';

export const CHANNEL = 'sovereignty';
export const CHAINCODE = 'sovereignty';
/** Either organization's peer may endorse; the contracts decide who may do what. */
export const ENDORSEMENT_POLICY = `OR('${ORGS.tenant.mspId}.peer','${ORGS.provider.mspId}.peer')`;

type PeerOrg = 'tenant' | 'provider';

export interface PeerEndpoint {
  org: PeerOrg;
  mspId: string;
  /** 127.0.0.1:port */
  address: string;
  /** The name in the peer's TLS certificate, for the client's server-name override. */
  hostName: string;
  tlsCaPem: string;
}

/** What a client needs to reach the network: written to `network.json` so `fabric:up` and tests share it. */
export interface FabricNetworkInfo {
  dir: string;
  channel: string;
  chaincode: string;
  peers: Record<PeerOrg, PeerEndpoint>;
  identities: { operator: FabricIdentity; trustAdmin: FabricIdentity; tenant: FabricIdentity; provider: FabricIdentity };
  pids: number[];
}

interface Ports {
  orderer: number;
  ordererAdmin: number;
  ordererOps: number;
  peers: Record<PeerOrg, { peer: number; chaincode: number; ops: number; server: number }>;
}

const PEER_ORGS: PeerOrg[] = ['tenant', 'provider'];

/** How `identity` reaches the chaincode through `peer`'s gateway. */
export function connectionTo(info: FabricNetworkInfo, peer: PeerEndpoint, identity: FabricIdentity): FabricConnection {
  return {
    peerEndpoint: peer.address,
    peerHostName: peer.hostName,
    tlsCaPem: peer.tlsCaPem,
    mspId: identity.mspId,
    certPem: identity.certPem,
    keyPem: identity.keyPem,
    channel: info.channel,
    chaincode: info.chaincode,
  };
}

export class LocalFabricNetwork {
  readonly info: FabricNetworkInfo;
  readonly processes: ManagedProcess[];
  private readonly ownsDir: boolean;
  private readonly ports: Ports;
  private readonly packageIds: Record<PeerOrg, string>;

  private constructor(info: FabricNetworkInfo, processes: ManagedProcess[], ownsDir: boolean, ports: Ports, packageIds: Record<PeerOrg, string>) {
    this.info = info;
    this.processes = processes;
    this.ownsDir = ownsDir;
    this.ports = ports;
    this.packageIds = packageIds;
  }

  /** Stops an organization's chaincode server, not its peer: the peer stays up and answers that it cannot reach the chaincode. */
  async stopChaincodeServer(org: PeerOrg): Promise<void> {
    const server = this.processes.find((p) => p.name === `chaincode-${org}`);
    await server?.stop(5000);
    if (server) this.processes.splice(this.processes.indexOf(server), 1);
  }

  async startChaincodeServer(org: PeerOrg): Promise<void> {
    this.processes.push(await startChaincodeServer(this.info.dir, org, this.ports.peers[org].server, this.packageIds[org], false));
  }

  /** Stops an organization's peer (an outage); `startPeer` brings it back with its ledger. */
  async stopPeer(org: PeerOrg): Promise<void> {
    const peer = this.processes.find((p) => p.name === `peer-${org}`);
    await peer?.stop(5000);
    if (peer) this.processes.splice(this.processes.indexOf(peer), 1);
  }

  async startPeer(org: PeerOrg): Promise<void> {
    this.processes.push(await startPeer(this.info.dir, join(this.info.dir, 'crypto'), this.ports, org, false));
  }

  /**
   * A crash: SIGKILLs every peer and (unless `orderer: false`) the orderer, no shutdown, leaving their data as
   * it was; `restart` brings back what crashed on the same ports. With the orderer up, transactions the peers
   * had already sent on are still ordered, and committed once the peers return.
   */
  async crash(options: { orderer?: boolean } = {}): Promise<void> {
    const crashed = this.processes.filter((p) => (p.name === 'orderer' && options.orderer !== false) || p.name.startsWith('peer-'));
    await Promise.all(crashed.map((p) => p.kill()));
    for (const p of crashed) this.processes.splice(this.processes.indexOf(p), 1);
  }

  /** The orderer (if it is down), then each peer, from their data directories: Raft replays its WAL, the peers catch up on the blocks they missed. */
  async restart(): Promise<void> {
    const crypto = join(this.info.dir, 'crypto');
    if (!this.processes.some((p) => p.name === 'orderer')) this.processes.push(await startOrderer(this.info.dir, crypto, this.ports, false));
    for (const org of PEER_ORGS) this.processes.push(await startPeer(this.info.dir, crypto, this.ports, org, false));
  }

  static async start(options: { dir?: string; log?: (line: string) => void; detached?: boolean } = {}): Promise<LocalFabricNetwork> {
    const log = options.log ?? (() => undefined);
    const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'cloud-empire-fabric-'));
    mkdirSync(dir, { recursive: true });
    const processes: ManagedProcess[] = [];
    try {
      const crypto = join(dir, 'crypto');
      generateCryptoMaterial(crypto);
      const identities = {
        operator: issueRoleIdentity(crypto, 'operator'),
        trustAdmin: issueRoleIdentity(crypto, 'admin'),
        tenant: cryptogenUser(crypto, ORGS.tenant, 'User1'),
        provider: cryptogenUser(crypto, ORGS.provider, 'User1'),
      };
      const ports = await allocatePorts();
      log('fabric: crypto material and identities ready');

      const genesis = writeChannelGenesis(dir, crypto, ports);
      const detached = options.detached ?? false;
      processes.push(await startOrderer(dir, crypto, ports, detached));
      // Its admin listener may accept a moment after /healthz answers (seen at load average 25).
      await retryRefused(() => joinOrderer(crypto, ports, genesis));
      log('fabric: orderer up, channel created');

      for (const org of PEER_ORGS) processes.push(await startPeer(dir, crypto, ports, org, detached));
      // A peer answers /healthz on its operations port a moment before its gRPC listener accepts.
      for (const org of PEER_ORGS) await retryRefused(() => peerCli(dir, crypto, ports, org, ['channel', 'join', '-b', genesis]));
      log('fabric: peers up and joined');

      const packageIds = {} as Record<PeerOrg, string>;
      for (const org of PEER_ORGS) {
        const pkg = writeCcaasPackage(dir, org, ports.peers[org].server);
        await peerCli(dir, crypto, ports, org, ['lifecycle', 'chaincode', 'install', pkg], 120_000);
        packageIds[org] = (await peerCli(dir, crypto, ports, org, ['lifecycle', 'chaincode', 'calculatepackageid', pkg])).trim();
        processes.push(await startChaincodeServer(dir, org, ports.peers[org].server, packageIds[org], detached));
      }
      log('fabric: chaincode installed; servers running');

      const ordererArgs = [
        '-o',
        `127.0.0.1:${ports.orderer}`,
        '--ordererTLSHostnameOverride',
        `orderer.${ORDERER_DOMAIN}`,
        '--tls',
        '--cafile',
        ordererTlsCa(crypto),
      ];
      const definition = ['--channelID', CHANNEL, '--name', CHAINCODE, '--version', '1.0', '--sequence', '1', '--signature-policy', ENDORSEMENT_POLICY];
      for (const org of PEER_ORGS) {
        await peerCli(
          dir,
          crypto,
          ports,
          org,
          ['lifecycle', 'chaincode', 'approveformyorg', ...ordererArgs, ...definition, '--package-id', packageIds[org], '--waitForEvent'],
          60_000,
        );
      }
      const peerTargets = PEER_ORGS.flatMap((org) => [
        '--peerAddresses',
        `127.0.0.1:${ports.peers[org].peer}`,
        '--tlsRootCertFiles',
        join(peerDir(crypto, ORGS[org]), 'tls', 'ca.crt'),
      ]);
      await peerCli(dir, crypto, ports, 'tenant', ['lifecycle', 'chaincode', 'commit', ...ordererArgs, ...definition, ...peerTargets], 60_000);
      log('fabric: chaincode definition committed');

      const info: FabricNetworkInfo = {
        dir,
        channel: CHANNEL,
        chaincode: CHAINCODE,
        peers: Object.fromEntries(
          PEER_ORGS.map((org) => [
            org,
            {
              org,
              mspId: ORGS[org].mspId,
              address: `127.0.0.1:${ports.peers[org].peer}`,
              hostName: `peer0.${ORGS[org].domain}`,
              tlsCaPem: readFileSync(join(peerDir(crypto, ORGS[org]), 'tls', 'ca.crt'), 'utf8'),
            },
          ]),
        ) as Record<PeerOrg, PeerEndpoint>,
        identities,
        pids: processes.map((p) => p.pid!).filter(Boolean),
      };
      await waitForGossip(info);
      log('fabric: each peer reaches the other organization through discovery');
      writeFileSync(join(dir, 'network.json'), JSON.stringify(info, null, 2), { mode: 0o600 });
      return new LocalFabricNetwork(info, processes, !options.dir, ports, packageIds);
    } catch (error) {
      await Promise.allSettled(processes.reverse().map((p) => p.stop(2000)));
      if (!options.dir) rmSync(dir, { recursive: true, force: true });
      throw error;
    }
  }

  async stop(options: { keepDir?: boolean } = {}): Promise<void> {
    await Promise.allSettled([...this.processes].reverse().map((p) => p.stop(5000)));
    if (this.ownsDir && !options.keepDir) rmSync(this.info.dir, { recursive: true, force: true });
  }
}

/**
 * Waits until each peer's gateway can route to the other organization's
 * peer: gossip membership across organizations (through the anchor peers)
 * settles some seconds after the chaincode is committed, and until then a
 * transaction that needs the other organization's endorsement cannot be made.
 */
/** Retries a peer command while the peer still refuses connections (it is starting), for up to 30 s. */
async function retryRefused<T>(attempt: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      return await attempt();
    } catch (error) {
      if (!/connection refused/.test((error as Error).message) || Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

async function waitForGossip(info: FabricNetworkInfo): Promise<void> {
  const { openFabricLedger } = await import('../ledger/open.ts');
  for (const [org, other] of [
    ['tenant', 'provider'],
    ['provider', 'tenant'],
  ] as const) {
    const client = await openFabricLedger(connectionTo(info, info.peers[org], info.identities[org]));
    try {
      await waitFor(
        `${org}'s peer discovering ${other}'s`,
        async () => {
          await client.gateway.evaluate('TrustRegistry:ListTrustAnchors', [], { endorsingOrganizations: [info.peers[other].mspId] });
          return true;
        },
        { timeoutMs: 90_000, intervalMs: 250 },
      );
    } finally {
      await client.close();
    }
  }
}

async function allocatePorts(): Promise<Ports> {
  const peers = {} as Ports['peers'];
  for (const org of PEER_ORGS) peers[org] = { peer: await freePort(), chaincode: await freePort(), ops: await freePort(), server: await freePort() };
  return { orderer: await freePort(), ordererAdmin: await freePort(), ordererOps: await freePort(), peers };
}

function ordererTlsCa(crypto: string): string {
  return join(ordererDir(crypto), 'tls', 'ca.crt');
}

function orgPolicies(mspId: string) {
  return {
    Readers: { Type: 'Signature', Rule: `OR('${mspId}.admin','${mspId}.peer','${mspId}.client')` },
    Writers: { Type: 'Signature', Rule: `OR('${mspId}.admin','${mspId}.client')` },
    Admins: { Type: 'Signature', Rule: `OR('${mspId}.admin')` },
    Endorsement: { Type: 'Signature', Rule: `OR('${mspId}.peer')` },
  };
}

/** configtx.yaml for one application channel (no system channel in Fabric 3) and its genesis block. */
function writeChannelGenesis(dir: string, crypto: string, ports: Ports): string {
  const implicit = (rule: string) => ({ Type: 'ImplicitMeta', Rule: rule });
  const ordererTls = join(ordererDir(crypto), 'tls', 'server.crt');
  const config = {
    Profiles: {
      Sovereignty: {
        Policies: { Readers: implicit('ANY Readers'), Writers: implicit('ANY Writers'), Admins: implicit('MAJORITY Admins') },
        Capabilities: { V3_0: true },
        Orderer: {
          OrdererType: 'etcdraft',
          BatchTimeout: '100ms',
          BatchSize: { MaxMessageCount: 500, AbsoluteMaxBytes: '10 MB', PreferredMaxBytes: '2 MB' },
          EtcdRaft: { Consenters: [{ Host: '127.0.0.1', Port: ports.orderer, ClientTLSCert: ordererTls, ServerTLSCert: ordererTls }] },
          Organizations: [
            {
              Name: 'OrdererOrg',
              ID: 'OrdererMSP',
              MSPDir: join(crypto, 'ordererOrganizations', ORDERER_DOMAIN, 'msp'),
              Policies: {
                Readers: { Type: 'Signature', Rule: "OR('OrdererMSP.member')" },
                Writers: { Type: 'Signature', Rule: "OR('OrdererMSP.member')" },
                Admins: { Type: 'Signature', Rule: "OR('OrdererMSP.admin')" },
              },
              OrdererEndpoints: [`127.0.0.1:${ports.orderer}`],
            },
          ],
          Policies: {
            Readers: implicit('ANY Readers'),
            Writers: implicit('ANY Writers'),
            Admins: implicit('MAJORITY Admins'),
            BlockValidation: implicit('ANY Writers'),
          },
          Capabilities: { V2_0: true },
        },
        Application: {
          Organizations: Object.entries(ORGS).map(([key, org]) => ({
            Name: org.name,
            ID: org.mspId,
            MSPDir: join(orgDir(crypto, org), 'msp'),
            Policies: orgPolicies(org.mspId),
            ...(org.peers ? { AnchorPeers: [{ Host: '127.0.0.1', Port: ports.peers[key as PeerOrg].peer }] } : {}),
          })),
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
  const configDir = join(dir, 'configtx');
  mkdirSync(configDir, { recursive: true });
  writeFileSync(join(configDir, 'configtx.yaml'), stringify(config));
  const block = join(dir, `${CHANNEL}.block`);
  execFileSync(fabricBinaries.configtxgen(), ['-configPath', configDir, '-profile', 'Sovereignty', '-channelID', CHANNEL, '-outputBlock', block], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  return block;
}

function fabricEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, HOME: process.env.HOME, FABRIC_LOGGING_SPEC: 'INFO', ...extra };
}

async function startOrderer(dir: string, crypto: string, ports: Ports, detached: boolean): Promise<ManagedProcess> {
  const home = ordererDir(crypto);
  const data = join(dir, 'orderer');
  mkdirSync(data, { recursive: true });
  const tls = (file: string) => join(home, 'tls', file);
  const env = fabricEnv({
    FABRIC_CFG_PATH: fabricBinaries.configDir(),
    ORDERER_GENERAL_LISTENADDRESS: '127.0.0.1',
    ORDERER_GENERAL_LISTENPORT: String(ports.orderer),
    ORDERER_GENERAL_LOCALMSPID: 'OrdererMSP',
    ORDERER_GENERAL_LOCALMSPDIR: join(home, 'msp'),
    ORDERER_GENERAL_TLS_ENABLED: 'true',
    ORDERER_GENERAL_TLS_PRIVATEKEY: tls('server.key'),
    ORDERER_GENERAL_TLS_CERTIFICATE: tls('server.crt'),
    ORDERER_GENERAL_TLS_ROOTCAS: `[${tls('ca.crt')}]`,
    ORDERER_GENERAL_CLUSTER_CLIENTCERTIFICATE: tls('server.crt'),
    ORDERER_GENERAL_CLUSTER_CLIENTPRIVATEKEY: tls('server.key'),
    ORDERER_GENERAL_CLUSTER_ROOTCAS: `[${tls('ca.crt')}]`,
    ORDERER_GENERAL_BOOTSTRAPMETHOD: 'none',
    ORDERER_CHANNELPARTICIPATION_ENABLED: 'true',
    ORDERER_ADMIN_LISTENADDRESS: `127.0.0.1:${ports.ordererAdmin}`,
    ORDERER_ADMIN_TLS_ENABLED: 'true',
    ORDERER_ADMIN_TLS_CERTIFICATE: tls('server.crt'),
    ORDERER_ADMIN_TLS_PRIVATEKEY: tls('server.key'),
    ORDERER_ADMIN_TLS_ROOTCAS: `[${tls('ca.crt')}]`,
    ORDERER_ADMIN_TLS_CLIENTAUTHREQUIRED: 'true',
    ORDERER_ADMIN_TLS_CLIENTROOTCAS: `[${tls('ca.crt')}]`,
    ORDERER_FILELEDGER_LOCATION: join(data, 'ledger'),
    ORDERER_CONSENSUS_WALDIR: join(data, 'etcdraft', 'wal'),
    ORDERER_CONSENSUS_SNAPDIR: join(data, 'etcdraft', 'snapshot'),
    ORDERER_OPERATIONS_LISTENADDRESS: `127.0.0.1:${ports.ordererOps}`,
    ORDERER_METRICS_PROVIDER: 'disabled',
  });
  const orderer = new ManagedProcess('orderer', fabricBinaries.orderer(), [], join(dir, 'orderer.log'), env, { detached });
  await waitFor('orderer', async () => (await fetch(`http://127.0.0.1:${ports.ordererOps}/healthz`)).ok, { timeoutMs: 90_000, process: orderer });
  return orderer;
}

/** Joins the orderer to the channel through its admin endpoint (channel participation API). */
async function joinOrderer(crypto: string, ports: Ports, genesis: string): Promise<void> {
  const tls = (file: string) => join(ordererDir(crypto), 'tls', file);
  const result = await run(fabricBinaries.osnadmin(), [
    'channel',
    'join',
    '--channelID',
    CHANNEL,
    '--config-block',
    genesis,
    '-o',
    `127.0.0.1:${ports.ordererAdmin}`,
    '--ca-file',
    tls('ca.crt'),
    '--client-cert',
    tls('server.crt'),
    '--client-key',
    tls('server.key'),
  ]);
  if (result.code !== 0) throw new StartupError(`osnadmin channel join failed: ${result.stderr || result.stdout}`);
}

/** core.yaml of the pinned commit with this network's chaincode builder: the external ccaas builder, no Docker. */
function writePeerConfig(dir: string, org: PeerOrg): string {
  const core = parse(readFileSync(join(fabricBinaries.configDir(), 'core.yaml'), 'utf8')) as Record<string, Record<string, unknown>>;
  core.vm.endpoint = '';
  (core.chaincode as Record<string, unknown>).externalBuilders = [{ name: 'ccaas', path: fabricBinaries.ccaasBuilder() }];
  const configDir = join(dir, `peer-${org}`, 'config');
  mkdirSync(configDir, { recursive: true });
  writeFileSync(join(configDir, 'core.yaml'), stringify(core));
  return configDir;
}

function peerEnv(dir: string, crypto: string, ports: Ports, org: PeerOrg): NodeJS.ProcessEnv {
  const spec: OrgSpec = ORGS[org];
  const home = peerDir(crypto, spec);
  const address = `127.0.0.1:${ports.peers[org].peer}`;
  return fabricEnv({
    FABRIC_CFG_PATH: join(dir, `peer-${org}`, 'config'),
    CORE_PEER_ID: `peer0.${spec.domain}`,
    CORE_PEER_ADDRESS: address,
    CORE_PEER_LISTENADDRESS: address,
    CORE_PEER_CHAINCODEADDRESS: `127.0.0.1:${ports.peers[org].chaincode}`,
    CORE_PEER_CHAINCODELISTENADDRESS: `127.0.0.1:${ports.peers[org].chaincode}`,
    CORE_PEER_GOSSIP_BOOTSTRAP: address,
    CORE_PEER_GOSSIP_EXTERNALENDPOINT: address,
    // A network of two peers on one machine: retry and announce in seconds, not Fabric's production minutes,
    // so the organizations find each other soon after start (and after a peer restarts).
    CORE_PEER_GOSSIP_RECONNECTINTERVAL: '1s',
    CORE_PEER_GOSSIP_ALIVETIMEINTERVAL: '1s',
    CORE_PEER_GOSSIP_ALIVEEXPIRATIONTIMEOUT: '5s',
    CORE_PEER_GOSSIP_PUBLISHSTATEINFOINTERVAL: '1s',
    CORE_PEER_LOCALMSPID: spec.mspId,
    CORE_PEER_MSPCONFIGPATH: join(home, 'msp'),
    CORE_PEER_TLS_ENABLED: 'true',
    CORE_PEER_TLS_CERT_FILE: join(home, 'tls', 'server.crt'),
    CORE_PEER_TLS_KEY_FILE: join(home, 'tls', 'server.key'),
    CORE_PEER_TLS_ROOTCERT_FILE: join(home, 'tls', 'ca.crt'),
    CORE_PEER_FILESYSTEMPATH: join(dir, `peer-${org}`, 'data'),
    CORE_LEDGER_SNAPSHOTS_ROOTDIR: join(dir, `peer-${org}`, 'snapshots'),
    CORE_OPERATIONS_LISTENADDRESS: `127.0.0.1:${ports.peers[org].ops}`,
    CORE_METRICS_PROVIDER: 'disabled',
    CORE_PEER_GATEWAY_ENABLED: 'true',
  });
}

async function startPeer(dir: string, crypto: string, ports: Ports, org: PeerOrg, detached: boolean): Promise<ManagedProcess> {
  writePeerConfig(dir, org);
  const peer = new ManagedProcess(`peer-${org}`, fabricBinaries.peer(), ['node', 'start'], join(dir, `peer-${org}.log`), peerEnv(dir, crypto, ports, org), {
    detached,
  });
  await waitFor(`peer ${org}`, async () => (await fetch(`http://127.0.0.1:${ports.peers[org].ops}/healthz`)).ok, { timeoutMs: 90_000, process: peer });
  return peer;
}

/** The peer CLI as the organization's admin, against its own peer. */
async function peerCli(dir: string, crypto: string, ports: Ports, org: PeerOrg, args: string[], timeoutMs = 30_000): Promise<string> {
  const spec: OrgSpec = ORGS[org];
  const env = { ...peerEnv(dir, crypto, ports, org), CORE_PEER_MSPCONFIGPATH: adminMspDir(crypto, spec), FABRIC_LOGGING_SPEC: 'WARN' };
  const result = await run(fabricBinaries.peer(), args, { env, timeoutMs });
  if (result.code !== 0) throw new StartupError(`peer ${args.slice(0, 3).join(' ')} (${org}) failed: ${(result.stderr || result.stdout).trim()}`);
  return result.stdout;
}

/** A chaincode-as-a-service package: metadata.json (type ccaas) and code.tar.gz holding connection.json. */
function writeCcaasPackage(dir: string, org: PeerOrg, serverPort: number): string {
  const work = join(dir, `ccaas-${org}`);
  mkdirSync(join(work, 'code'), { recursive: true });
  writeFileSync(join(work, 'code', 'connection.json'), JSON.stringify({ address: `127.0.0.1:${serverPort}`, dial_timeout: '10s', tls_required: false }));
  writeFileSync(join(work, 'metadata.json'), JSON.stringify({ type: 'ccaas', label: `${CHAINCODE}_${org}` }));
  execFileSync('tar', ['-C', join(work, 'code'), '-czf', join(work, 'code.tar.gz'), 'connection.json']);
  const pkg = join(dir, `${CHAINCODE}-${org}.tar.gz`);
  execFileSync('tar', ['-C', work, '-czf', pkg, 'metadata.json', 'code.tar.gz']);
  return pkg;
}

/** The organization's own chaincode process: the chaincode package's contracts, served with fabric-chaincode-node. */
async function startChaincodeServer(dir: string, org: PeerOrg, port: number, packageId: string, detached: boolean): Promise<ManagedProcess> {
  const chaincodeDir = join(REPO_ROOT, 'chaincode');
  const cli = join(REPO_ROOT, 'node_modules', 'fabric-shim', 'cli.js');
  const server = new ManagedProcess(
    `chaincode-${org}`,
    process.execPath,
    [cli, 'server', `--chaincode-address=127.0.0.1:${port}`, `--chaincode-id=${packageId}`],
    join(dir, `chaincode-${org}.log`),
    { PATH: process.env.PATH, HOME: process.env.HOME, CORE_CHAINCODE_LOGGING_LEVEL: 'warn' },
    // fabric-chaincode-node loads the package from its working directory.
    { cwd: chaincodeDir, detached },
  );
  await waitFor(
    `chaincode server ${org}`,
    async () =>
      new Promise<boolean>((resolve) => {
        const socket = connect(port, '127.0.0.1');
        socket.once('connect', () => (socket.destroy(), resolve(true)));
        socket.once('error', () => resolve(false));
      }),
    { timeoutMs: 20_000, process: server },
  );
  return server;
}
