import { CoreV1Api } from '@kubernetes/client-node';
import { join } from 'node:path';
import { crdName } from '../api/crd.ts';
import { KINDS } from '../api/schema/index.ts';
import { REPO_ROOT } from '../controlplane/binaries.ts';
import { createFakeNode } from '../controlplane/fake-nodes.ts';
import { LocalFederation } from '../controlplane/federation.ts';
import { kubectl, run, type CommandResult } from '../controlplane/kubectl.ts';
import { DEMO_INVENTORY, DEMO_SOVEREIGN_NODES } from './inventory.ts';

export const OPERATOR_NAMESPACE = 'cloud-empire';

function check(step: string, result: CommandResult): CommandResult {
  if (result.code !== 0) throw new Error(`${step} failed (exit ${result.code}): ${result.stderr.trim() || result.stdout.trim()}`);
  return result;
}

/**
 * The README's federation on local control planes: host + Paris, Madrid and
 * Warsaw members, the CRDs, member kubeconfig Secrets, the nodes behind the
 * example SovereignNodes and every example object.
 */
export async function startDemoFederation(log: (line: string) => void): Promise<LocalFederation> {
  const t0 = performance.now();
  const federation = await LocalFederation.start({ members: Object.keys(DEMO_INVENTORY).map((name) => ({ name })) });
  try {
    log(`control planes ready in ${((performance.now() - t0) / 1000).toFixed(1)} s: host + ${[...federation.members.keys()].join(', ')}`);
    const host = federation.host.access.kubeconfigPath;

    check('installing CRDs', await kubectl(host, ['apply', '--server-side', '--field-manager=cloud-empire-demo', '-f', join(REPO_ROOT, 'crds')]));
    check('waiting for CRDs', await kubectl(host, ['wait', '--for=condition=Established', '--timeout=60s', ...KINDS.map((k) => `crd/${crdName(k)}`)]));
    log('CRDs installed and Established');

    const core = federation.host.kubeConfig().makeApiClient(CoreV1Api);
    await core.createNamespace({ body: { metadata: { name: OPERATOR_NAMESPACE } } });
    for (const member of federation.members.values()) {
      await core.createNamespacedSecret({
        namespace: OPERATOR_NAMESPACE,
        body: {
          metadata: { name: `${member.name}-kubeconfig`, labels: { 'cloudempire.eu/member-cluster': member.name } },
          type: 'Opaque',
          stringData: { kubeconfig: member.kubeconfigFor() },
        },
      });
      for (const node of DEMO_INVENTORY[member.name]) await createFakeNode(member.kubeConfig(), node);
    }
    log(`member kubeconfig Secrets in ${OPERATOR_NAMESPACE}; ${Object.values(DEMO_INVENTORY).flat().length} nodes registered in the members`);

    // Fresh issuers, node identities and credentials for this run, made by empirectl as in examples/.
    const generated = join(federation.dir, 'examples');
    check(
      'issuing credentials',
      await run('bash', [join(REPO_ROOT, 'hack', 'examples', 'credentials.sh'), generated, join(federation.dir, 'keys')], {
        env: { ...process.env, NODE: process.execPath },
      }),
    );
    const manifests = [
      join(REPO_ROOT, 'examples', 'federation', 'member-clusters.yaml'),
      join(generated, 'federation', 'trust-anchors.yaml'),
      join(generated, 'nodes'),
      join(REPO_ROOT, 'examples', 'gpupools'),
      join(REPO_ROOT, 'examples', 'workloads'),
    ];
    for (const path of manifests) {
      check(`applying ${path}`, await kubectl(host, ['apply', '--server-side', '--field-manager=cloud-empire-demo', '-f', path]));
    }
    log('examples applied (with credentials issued for this run)');
    return federation;
  } catch (error) {
    await federation.stop();
    throw error;
  }
}

/** The example SovereignNodes and the private keys their node agents hold. */
export function demoNodeKeys(federation: LocalFederation): { name: string; keyFile: string }[] {
  return Object.entries(DEMO_SOVEREIGN_NODES).map(([name]) => ({ name, keyFile: join(federation.dir, 'keys', 'nodes', name, 'key.jwk') }));
}
