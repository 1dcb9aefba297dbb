// The same contract suite as the embedded ledger's, on a real Fabric network
// (orderer, two peers, chaincode as a service) that this file starts and stops.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main as empirectl } from '../../../src/cli/empirectl.ts';
import { writeConnectionDirs } from '../../../src/fabric/connections.ts';
import { connectionTo, LocalFabricNetwork } from '../../../src/fabric/local-network.ts';
import { readFabricConnection, writeFabricConnection } from '../../../src/ledger/fabric/connection-files.ts';
import { LedgerUnavailableError } from '../../../src/ledger/ledger.ts';
import { LedgerOutbox, OutboxLedger } from '../../../src/ledger/outbox.ts';
import { createLogger } from 'winston';
import { openFabricLedger } from '../../../src/ledger/open.ts';
import { eventually } from '../federation.ts';
import { contractSuite } from '../../ledger/contract-suite.ts';
import { fabricParties } from '../../ledger/fabric-parties.ts';
import { readmeBlocks, runBlock } from '../chart/readme-blocks.ts';

let network: LocalFabricNetwork;
let parties: Awaited<ReturnType<typeof fabricParties>>;

beforeAll(async () => {
  network = await LocalFabricNetwork.start();
  parties = await fabricParties(network.info);
}, 180_000);

afterAll(async () => {
  await Promise.allSettled((parties?.all ?? []).map((p) => p.close()));
  await network?.stop();
});

describe('sovereignty chaincode on a real Fabric network', () => {
  contractSuite(() => parties);
});

describe("the owner's peers must endorse changes to its policy (state-based endorsement)", () => {
  it("refuses at validation a policy change endorsed only by another organization's peer", async () => {
    const { info } = network;
    const datasetId = `genomes-${Date.now().toString(36)}`;
    const policy = {
      datasetId,
      allowedJurisdictions: ['EU'],
      allowedCountries: ['FR'],
      allowedProviders: [],
      allowedPurposes: ['research'],
      verifiedNodesOnly: true,
      grantTtlSeconds: 600,
    };
    await parties.tenant.publishPolicy(policy);
    // The owner's own client through the provider's gateway, endorsed by the provider's peer alone:
    // the contract allows the owner, but the key's endorsement policy wants the owner's peer.
    const viaProvider = await openFabricLedger(connectionTo(info, info.peers.provider, info.identities.tenant));
    try {
      const widened = JSON.stringify({ ...policy, allowedCountries: ['FR', 'US'] });
      await expect(viaProvider.gateway.submit('DatasetPolicy:PublishPolicy', [widened], { endorsingOrganizations: ['ProviderMSP'] })).rejects.toMatchObject({
        code: 'TransactionInvalid',
        message: expect.stringContaining('ENDORSEMENT_POLICY_FAILURE'),
      });
      expect(await parties.provider.getPolicy(datasetId)).toMatchObject({ version: 1, allowedCountries: ['FR'] });
      // Endorsed by the owner's peer, the same change commits.
      expect(await viaProvider.gateway.submit('DatasetPolicy:PublishPolicy', [widened], { endorsingOrganizations: ['TenantMSP'] })).toMatchObject({
        blockNumber: expect.any(Number),
      });
      expect(await parties.provider.getPolicy(datasetId)).toMatchObject({ version: 2, allowedCountries: ['FR', 'US'] });
    } finally {
      await viaProvider.close();
    }
  });
});

describe('the operator on Fabric', () => {
  it('connects through a connection directory, and fails closed while its peer is down', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fabric-connection-'));
    try {
      const info = network.info;
      writeFabricConnection(dir, connectionTo(info, info.peers.provider, info.identities.operator));
      const operator = await openFabricLedger({
        ...readFabricConnection(dir),
        deadlines: { evaluateMs: 2000, endorseMs: 2000, submitMs: 2000, commitStatusMs: 5000 },
      });
      await operator.probe();
      await network.stopPeer('provider');
      await expect(operator.probe()).rejects.toBeInstanceOf(LedgerUnavailableError);
      await expect(operator.recordAttestation(attestationFor('outage'))).rejects.toBeInstanceOf(LedgerUnavailableError);
      await network.startPeer('provider');
      // The record that could not be written is written once the peer is back; nothing was lost in between.
      const receipt = await eventually(() => operator.recordAttestation(attestationFor('outage')), 60_000, 500);
      expect(await parties.tenant.getAttestation('paris', 'outage')).toMatchObject({ txId: receipt.txId, verified: true });
      await operator.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);

  it('keeps a verdict in the outbox while the chaincode servers are down (the peers up), and records it when they return', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fabric-outbox-'));
    const { info } = network;
    const fabric = await openFabricLedger({
      ...connectionTo(info, info.peers.provider, info.identities.operator),
      deadlines: { evaluateMs: 5000, endorseMs: 5000, submitMs: 5000, commitStatusMs: 10000 },
    });
    const ledger = new OutboxLedger(fabric, LedgerOutbox.open(dir), createLogger({ silent: true }));
    try {
      // Either organization's peer may endorse, so both servers go down; the peers keep answering (ABORTED).
      await network.stopChaincodeServer('provider');
      await network.stopChaincodeServer('tenant');
      await expect(ledger.recordAttestation(attestationFor('chaincode-outage'))).rejects.toBeInstanceOf(LedgerUnavailableError);
      expect(ledger.pending).toBe(1);
      expect(
        LedgerOutbox.open(dir)
          .entries()
          .map((e) => e.record.nodeName),
      ).toEqual(['chaincode-outage']);
      await network.startChaincodeServer('provider');
      await network.startChaincodeServer('tenant');
      ledger.start(500);
      await eventually(async () => expect(ledger.pending).toBe(0), 90_000, 500);
      expect(await parties.tenant.getAttestation('paris', 'chaincode-outage')).toMatchObject({ verified: true });
    } finally {
      await ledger.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 180_000);

  it('lets the trust admin, and only the trust admin, sync the anchors with empirectl', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fabric-anchors-'));
    try {
      const info = network.info;
      writeFabricConnection(join(dir, 'admin'), connectionTo(info, info.peers.tenant, info.identities.trustAdmin));
      writeFabricConnection(join(dir, 'operator'), connectionTo(info, info.peers.tenant, info.identities.operator));
      const anchors = join(dir, 'anchors.yaml');
      writeFileSync(
        anchors,
        'issuers:\n  - did: did:web:issuer.example.eu\n    name: Example issuer\n  - did: did:web:second.example.eu\n    name: Second issuer\naudience: urn:cloudempire:operator\n',
      );
      const lines: string[] = [];
      const run = (connection: string) =>
        empirectl(
          ['ledger', 'anchors', 'sync', '--fabric-connection', join(dir, connection), '--trust-anchors', anchors],
          (l) => lines.push(l),
          (l) => lines.push(l),
        );
      expect(await run('operator')).toBe(1);
      expect(lines.pop()).toMatch(/^empirectl ledger anchors sync: AccessDenied: .*cloudempire\.role=admin/);
      expect(await run('admin')).toBe(0);
      expect(lines.join('\n')).toMatch(/2 configured, 2 registered or updated, 0 removed/);
      expect((await parties.provider.listTrustAnchors()).map((a) => a.did).sort()).toEqual(['did:web:issuer.example.eu', 'did:web:second.example.eu']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("runs the README's data-owner walkthrough as written: publish, a placement, then list, check, decision and revoke", async () => {
    // The connection directories as fabric:up writes them, under a HOME of the test's own.
    const home = mkdtempSync(join(tmpdir(), 'fabric-owner-'));
    try {
      const connections = writeConnectionDirs(network.info, join(home, '.cache', 'cloud-empire', 'fabric-network', 'connections'));
      expect(Object.keys(connections).sort()).toEqual(['operator', 'provider', 'tenant', 'trust-admin']);
      const { CLOUD_EMPIRE_CACHE: _cache, ...inherited } = process.env;
      // npm's own cache and no update check (a fresh HOME would make npm ask the registry each call).
      const env = { ...inherited, HOME: home, npm_config_cache: join(inherited.HOME ?? home, '.npm'), npm_config_update_notifier: 'false' };
      const [publish, grants] = readmeBlocks().filter((b) => b.script.startsWith('OWNER='));
      expect([publish?.script, grants?.script]).toEqual([expect.stringContaining('policy publish'), expect.stringContaining('grant check')]);

      const published = await runBlock(publish, env);
      expect(published).toMatchObject({ code: 0, stderr: expect.not.stringMatching(/warn|error/i) });
      expect(published.stdout).toMatch(/"ownerMsp": "TenantMSP"/);
      expect(await parties.tenant.readDatasetDetails('oncology-scans-2026')).toMatchObject({ keyReference: 'kms://oncology-tenant/keys/scans-2026' });

      // What the operator's FederatedWorkload controller submits for a workload reading the dataset
      // (on the embedded ledger in test/integration/controllers/federatedworkload.test.ts), with its own identity.
      const operator = await openFabricLedger(readFabricConnection(connections.operator));
      let decision;
      try {
        await operator.recordAttestation({ ...attestationFor('onco-1'), provider: 'ovhcloud', jurisdiction: 'EU' });
        decision = await operator.recordPlacement({
          decisionId: `onco-${Date.now().toString(36)}`,
          workload: { namespace: 'oncology', name: 'triage' },
          purpose: 'inference',
          datasets: ['oncology-scans-2026'],
          targets: [
            {
              cluster: 'paris',
              provider: 'ovhcloud',
              countryCode: 'FR',
              nodes: [{ memberCluster: 'paris', nodeName: 'onco-1', did: attestationFor('onco-1').did }],
            },
          ],
        });
      } finally {
        await operator.close();
      }
      expect(decision).toMatchObject({ approved: true, grants: [expect.any(String)] });

      const walked = await runBlock(grants, env);
      expect(walked).toMatchObject({ code: 0, stderr: expect.not.stringMatching(/warn|error/i) });
      // The walkthrough listed the grant, checked its node, and revoked it.
      expect(walked.stdout).toContain(`"grantId": "${decision.grants[0]}"`);
      expect(walked.stdout).toMatch(new RegExp(`"nodeDid": "${attestationFor('onco-1').did}",\\s*"reason": "Allowed"`));
      expect(walked.stdout).toMatch(/"revoked": true/);
      expect(await parties.provider.getGrant(decision.grants[0])).toMatchObject({ revoked: true, revokedBy: expect.stringContaining('TenantMSP/') });
      const lines: string[] = [];
      const cli = (...args: string[]) =>
        empirectl(
          ['ledger', ...args, '--fabric-connection', connections.tenant],
          (l) => lines.push(l),
          (l) => lines.push(l),
        );
      expect(await cli('grant', 'check', '--grant', decision.grants[0])).toBe(3);
      expect(JSON.parse(lines.pop()!)).toEqual([expect.objectContaining({ allowed: false, reason: 'GrantRevoked' })]);
      expect(await cli('decision', 'get', '--decision', decision.decisionId)).toBe(0);
      expect(JSON.parse(lines.pop()!)).toMatchObject({ txId: decision.txId, approved: true, grants: decision.grants });
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  }, 240_000);

  it('names the missing file of a connection directory', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fabric-connection-'));
    try {
      writeFileSync(
        join(dir, 'connection.json'),
        JSON.stringify({ peerEndpoint: 'peer0:7051', mspId: 'TrustAuthorityMSP', channel: 'sovereignty', chaincode: 'sovereignty' }),
      );
      expect(() => readFabricConnection(dir)).toThrow(
        /tls-ca\.pem is missing: a Fabric connection directory holds connection\.json, tls-ca\.pem, cert\.pem, key\.pem/,
      );
      writeFileSync(join(dir, 'connection.json'), JSON.stringify({ peerEndpoint: 'peer0', mspId: 'X', channel: 'c', chaincode: 'c' }));
      expect(() => readFabricConnection(dir)).toThrow(/peerEndpoint "peer0" must be host:port/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

function attestationFor(nodeName: string) {
  return {
    sovereignNode: nodeName,
    memberCluster: 'paris',
    nodeName,
    did: `did:web:nodes.example.eu:${nodeName}`,
    verified: true,
    reason: 'VERIFIED',
    // Registered as an anchor for FR and ES by the contract suite above.
    issuer: 'did:web:issuer.example.eu',
    countryCode: 'FR',
    credentialDigest: 'd'.repeat(64),
    observedAt: new Date().toISOString(),
  };
}
