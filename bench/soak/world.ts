// The soak's federation: host + three members with KWOK nodes on real control
// planes, a did:web issuer and its status list on a loopback HTTPS server,
// MemberClusters, kubeconfig Secrets and one SovereignNode per member node.
import { CoreV1Api } from '@kubernetes/client-node';
import { join } from 'node:path';
import type { MemberCluster, SovereignNode } from '../../src/api/generated/types.ts';
import { KINDS } from '../../src/api/schema/index.ts';
import { crdName } from '../../src/api/crd.ts';
import { MemberClusterKind } from '../../src/api/schema/membercluster.ts';
import { SovereignNodeKind } from '../../src/api/schema/sovereignnode.ts';
import { REPO_ROOT } from '../../src/controlplane/binaries.ts';
import { createFakeNode } from '../../src/controlplane/fake-nodes.ts';
import { LocalFederation } from '../../src/controlplane/federation.ts';
import { kubectl } from '../../src/controlplane/kubectl.ts';
import { kindClient } from '../../src/runtime/kind-client.ts';
import { issueNodeCredential, newIdentity, newStatusListFile, publishStatusList, type Identity, type StatusListFile } from '../../src/trust/issue.ts';
import { decodeBitstring, encodeBitstring, setBit } from '../../src/trust/status-list.ts';
import { DidServer } from '../../test/helpers/did-server.ts';
import { makeTestPki, type TestPki } from '../../test/helpers/pki.ts';
import { host as hostDid } from '../../test/helpers/trust-world.ts';

export const NAMESPACE = 'cloud-empire';
export const WORKLOAD_NAMESPACE = 'soak';
export const AUDIENCE = 'did:web:operator.soak.cloudempire.test';
/** Members and the country their nodes are attested in. */
export const MEMBERS: Record<string, string> = { paris: 'FR', madrid: 'ES', warsaw: 'PL' };
export const NODES_PER_MEMBER = 3;

export interface SoakNode {
  /** SovereignNode name, also the member Node's name. */
  name: string;
  member: string;
  identity: Identity;
  statusIndex: number;
  revoked: boolean;
}

const check = (step: string, result: { code: number; stderr: string; stdout: string }) => {
  if (result.code !== 0) throw new Error(`${step} failed (exit ${result.code}): ${result.stderr.trim() || result.stdout.trim()}`);
};

export class SoakWorld {
  readonly nodes: SoakNode[] = [];
  private nextStatusIndex = 1;

  readonly federation: LocalFederation;
  readonly pki: TestPki;
  readonly server: DidServer;
  readonly issuer: Identity;
  readonly statusList: StatusListFile;

  private constructor(federation: LocalFederation, pki: TestPki, server: DidServer, issuer: Identity, statusList: StatusListFile) {
    this.federation = federation;
    this.pki = pki;
    this.server = server;
    this.issuer = issuer;
    this.statusList = statusList;
  }

  static async start(log: (line: string) => void): Promise<SoakWorld> {
    const federation = await LocalFederation.start({ members: Object.keys(MEMBERS).map((name) => ({ name })) });
    let server: DidServer | undefined;
    try {
      const pki = makeTestPki();
      server = await DidServer.start(pki);
      const issuer = newIdentity({ method: 'web', domain: server.domain, path: 'issuers/soak' });
      hostDid(server, issuer);
      const world = new SoakWorld(federation, pki, server, issuer, newStatusListFile(server.url('/status/1')));
      await world.publishStatusList();
      await world.install();
      log(`federation up: host + ${Object.keys(MEMBERS).join(', ')}, ${world.nodes.length} SovereignNodes, issuer ${issuer.did}`);
      return world;
    } catch (error) {
      await server?.close();
      await federation.stop();
      throw error;
    }
  }

  get host() {
    return this.federation.host.kubeConfig();
  }

  private async install(): Promise<void> {
    const hostFile = this.federation.host.access.kubeconfigPath;
    check('installing CRDs', await kubectl(hostFile, ['apply', '--server-side', '--field-manager=cloud-empire-soak', '-f', join(REPO_ROOT, 'crds')]));
    // Right after the apply a CRD may have no status yet, which kubectl wait reports as an error rather than waiting: ask again.
    for (let attempt = 1; ; attempt++) {
      const waited = await kubectl(hostFile, ['wait', '--for=condition=Established', '--timeout=60s', ...KINDS.map((k) => `crd/${crdName(k)}`)]);
      if (waited.code === 0 || attempt === 5 || !waited.stderr.includes('.status.conditions accessor error')) {
        check('waiting for CRDs', waited);
        break;
      }
      await new Promise((r) => setTimeout(r, 1000));
    }
    const core = this.host.makeApiClient(CoreV1Api);
    for (const name of [NAMESPACE, WORKLOAD_NAMESPACE]) await core.createNamespace({ body: { metadata: { name } } });
    await core.createNamespacedConfigMap({
      namespace: NAMESPACE,
      body: {
        metadata: { name: 'cloud-empire-trust-anchors' },
        data: {
          // A short status-list age so a flipped bit is seen within seconds, as the churn needs.
          'trust-anchors.yaml': [
            `issuers: [{did: "${this.issuer.did}", name: soak issuer}]`,
            `audience: ${AUDIENCE}`,
            'requireProofOfPossession: false',
            'statusListMaxAgeSeconds: 5',
            'fetchTimeoutMs: 3000',
            '',
          ].join('\n'),
        },
      },
    });
    const memberClusters = kindClient<MemberCluster>(this.host, MemberClusterKind);
    for (const [member, country] of Object.entries(MEMBERS)) {
      await core.createNamespacedSecret({
        namespace: NAMESPACE,
        body: { metadata: { name: `${member}-kubeconfig` }, stringData: { kubeconfig: this.kubeconfig(member) } },
      });
      await memberClusters.create({
        apiVersion: 'cloudempire.eu/v1alpha1',
        kind: 'MemberCluster',
        metadata: { name: member, labels: { country } },
        spec: { kubeconfigSecretRef: { name: `${member}-kubeconfig`, namespace: NAMESPACE }, country, provider: `${member}-cloud` } as MemberCluster['spec'],
      });
      for (let i = 1; i <= NODES_PER_MEMBER; i++) {
        const name = `${member}-cpu-${i}`;
        await createFakeNode(this.federation.member(member).kubeConfig(), { name, capacity: { cpu: '32', memory: '128Gi', pods: '110' } });
        const node: SoakNode = { name, member, identity: newIdentity({ method: 'key' }), statusIndex: 0, revoked: false };
        this.nodes.push(node);
        await kindClient<SovereignNode>(this.host, SovereignNodeKind).create({
          apiVersion: 'cloudempire.eu/v1alpha1',
          kind: 'SovereignNode',
          metadata: { name },
          spec: { memberCluster: member, nodeName: name, did: node.identity.did, credential: await this.credential(node) },
        });
      }
    }
  }

  /** The member's admin kubeconfig, as its Secret holds it. */
  kubeconfig(member: string): string {
    return this.federation.member(member).kubeconfigFor();
  }

  /** A fresh credential for the node, on a status-list entry never used before. */
  async credential(node: SoakNode): Promise<string> {
    node.statusIndex = this.nextStatusIndex++;
    return issueNodeCredential(this.issuer.key, {
      subject: node.identity.did,
      memberCluster: node.member,
      nodeName: node.name,
      countryCode: MEMBERS[node.member],
      validForSeconds: 86_400,
      statusList: { url: this.statusList.url, index: node.statusIndex },
    });
  }

  /** Flips the node's status-list bit and serves the list signed again. */
  async revoke(node: SoakNode): Promise<void> {
    const bits = decodeBitstring(this.statusList.encodedList);
    setBit(bits, node.statusIndex);
    this.statusList.encodedList = encodeBitstring(bits);
    node.revoked = true;
    await this.publishStatusList();
  }

  /** Re-verification as an issuer does it: a fresh credential on a new entry, written into the SovereignNode. */
  async reissue(node: SoakNode): Promise<void> {
    const client = kindClient<SovereignNode>(this.host, SovereignNodeKind);
    const current = await client.get(node.name);
    current!.spec.credential = await this.credential(node);
    node.revoked = false;
    await client.update(current!);
  }

  private async publishStatusList(): Promise<void> {
    this.server.serve('/status/1', await publishStatusList(this.issuer.key, this.statusList, 3600), 200, 'application/vc+jwt');
  }

  async stop(): Promise<void> {
    await this.server.close();
    await this.federation.stop();
  }
}
