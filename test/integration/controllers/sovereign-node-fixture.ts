// A member cluster, a trust world (did:web issuer, status list, HTTPS) and a
// running SovereignNode controller on a given ledger: what the SovereignNode
// tests share, whichever ledger records the verdicts.
import { CoreV1Api, CustomObjectsApi, type V1Node } from '@kubernetes/client-node';
import type { SovereignNode } from '../../../src/api/generated/types.ts';
import { SovereignNodeKind } from '../../../src/api/schema/sovereignnode.ts';
import { MemberClients } from '../../../src/cluster/member-clients.ts';
import { createFakeNode } from '../../../src/controlplane/fake-nodes.ts';
import { kubeconfigYaml } from '../../../src/controlplane/kubeconfig.ts';
import { ADMIN_USER } from '../../../src/controlplane/local-cluster.ts';
import { sovereignNodeController } from '../../../src/controllers/sovereignnode.ts';
import { anchorsOf, type AnchorInput, type Ledger } from '../../../src/ledger/ledger.ts';
import type { Controller } from '../../../src/runtime/controller.ts';
import { Informers } from '../../../src/runtime/informer.ts';
import { kindClient } from '../../../src/runtime/kind-client.ts';
import { httpsFetcher } from '../../../src/trust/fetcher.ts';
import { issueNodeCredential, newIdentity, proveNode, type Identity } from '../../../src/trust/issue.ts';
import { TrustVerifier } from '../../../src/trust/verifier.ts';
import { capturingLogger } from '../../helpers/secret-scan.ts';
import { AUDIENCE, TrustWorld } from '../../helpers/trust-world.ts';
import { ensureCrds, ensureNamespace, eventually, hostAccess, kubeConfig, memberAccess, registerMemberCluster, uniqueName } from '../federation.ts';

const api = { group: 'cloudempire.eu', version: 'v1alpha1', plural: 'sovereignnodes' };
export const host = () => kubeConfig(hostAccess());
export const paris = () => kubeConfig(memberAccess('paris'));
export const taintKeys = (node: V1Node) => (node.spec?.taints ?? []).map((t) => `${t.key}:${t.effect}`).sort();

export class SovereignNodeFixture {
  readonly cluster = uniqueName('paris');
  readonly prefix = uniqueName('trust');
  world!: TrustWorld;
  controller!: Controller<SovereignNode>;
  private informers?: Informers;
  /** Everything the controller logs, for the leak scan. */
  readonly logs = capturingLogger();
  private readonly nodeKeys: string[] = [];

  /** What must never appear in logs, status or Events: the member's token and every private key in play. */
  knownSecrets(): string[] {
    return [memberAccess('paris').tokens[ADMIN_USER], this.world.issuer.key.d, this.world.keyIssuer.key.d, ...this.nodeKeys];
  }

  /** The trust world's anchors, as the ledger must hold them before it accepts positive verdicts. */
  anchors(): AnchorInput[] {
    return anchorsOf(this.world.config());
  }

  /** Starts the trust world (issuer, status list, HTTPS) and registers the member cluster. */
  async prepare(): Promise<void> {
    await ensureCrds();
    this.world = await TrustWorld.create();
    // The member's kubeconfig as a user stores it: in a Secret the MemberCluster names.
    await ensureNamespace(host(), 'cloud-empire');
    const access = memberAccess('paris');
    await registerMemberCluster(host(), {
      name: this.cluster,
      kubeconfig: kubeconfigYaml({ cluster: 'paris', server: access.server, caPem: access.caPem, user: ADMIN_USER, token: access.tokens[ADMIN_USER] }),
      country: 'FR',
      provider: 'ovhcloud',
    });
  }

  /** Starts the SovereignNode controller, recording on `ledger`. */
  async start(ledger: Ledger, options: { statusListMaxAgeSeconds?: number } = {}): Promise<void> {
    const verifier = new TrustVerifier(this.world.config({ statusListMaxAgeSeconds: options.statusListMaxAgeSeconds ?? 1 }), {
      fetcher: httpsFetcher({ ca: this.world.pki.caPem, allowLoopback: true }),
    });
    const log = this.logs.log;
    this.informers = new Informers(host(), log);
    this.controller = sovereignNodeController({
      informer: this.informers.forKind<SovereignNode>(SovereignNodeKind),
      nodes: kindClient<SovereignNode>(host(), SovereignNodeKind),
      memberNodes: new MemberClients(host()),
      verifier,
      ledger,
      log,
      retryAfterMs: 500,
    });
    await this.controller.start();
  }

  async stop(): Promise<void> {
    await this.controller?.stop();
    await this.informers?.stop();
    await this.world?.close();
  }

  async sovereignNode(name: string): Promise<SovereignNode> {
    return (await host()
      .makeApiClient(CustomObjectsApi)
      .getClusterCustomObject({ ...api, name: `${this.prefix}-${name}` })) as SovereignNode;
  }

  condition(node: SovereignNode, type: string) {
    return node.status?.conditions?.find((c) => c.type === type);
  }

  async memberNode(nodeName: string): Promise<V1Node> {
    return paris().makeApiClient(CoreV1Api).readNode({ name: nodeName });
  }

  /** A node with its identity and a credential from the world's did:web issuer. */
  async admit(name: string, country: string, statusIndex: number): Promise<{ identity: Identity; nodeName: string }> {
    const identity = newIdentity({ method: 'key' });
    this.nodeKeys.push(identity.key.d);
    const nodeName = `${this.prefix}-${name}`;
    await createFakeNode(paris(), {
      name: nodeName,
      capacity: { cpu: '16', memory: '64Gi', 'nvidia.com/gpu': '4' },
      taints: [{ key: 'example.com/dedicated', value: 'inference', effect: 'NoSchedule' }],
    });
    const credential = await issueNodeCredential(
      this.world.issuer.key,
      this.world.request({
        subject: identity.did,
        memberCluster: this.cluster,
        nodeName,
        countryCode: country,
        statusList: { url: this.world.statusList.url, index: statusIndex },
      }),
    );
    await host()
      .makeApiClient(CustomObjectsApi)
      .createClusterCustomObject({
        ...api,
        body: {
          apiVersion: 'cloudempire.eu/v1alpha1',
          kind: 'SovereignNode',
          metadata: { name: `${this.prefix}-${name}` },
          spec: { memberCluster: this.cluster, nodeName, did: identity.did, credential },
        },
      });
    return { identity, nodeName };
  }

  /** The node agent's part: sign the challenge the operator published and hand in the proof. */
  async answerChallenge(name: string, identity: Identity): Promise<void> {
    const challenge = await eventually(async () => {
      const c = (await this.sovereignNode(name)).status?.challenge;
      if (!c) throw new Error('no challenge yet');
      return c;
    });
    expect(challenge.audience).toBe(AUDIENCE);
    const node = await this.sovereignNode(name);
    node.spec.proof = await proveNode(identity.key, challenge.nonce, AUDIENCE);
    await host()
      .makeApiClient(CustomObjectsApi)
      .replaceClusterCustomObject({ ...api, name: `${this.prefix}-${name}`, body: node });
  }
}
