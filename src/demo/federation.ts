import { CoreV1Api } from '@kubernetes/client-node';
import { join } from 'node:path';
import { crdName } from '../api/crd.ts';
import { KINDS } from '../api/schema/index.ts';
import { REPO_ROOT } from '../controlplane/binaries.ts';
import { createFakeNode } from '../controlplane/fake-nodes.ts';
import { LocalFederation } from '../controlplane/federation.ts';
import { kubectl, type CommandResult } from '../controlplane/kubectl.ts';
import { DEMO_INVENTORY } from './inventory.ts';

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

    for (const part of ['federation', 'nodes', 'gpupools', 'workloads']) {
      check(`applying examples/${part}`, await kubectl(host, ['apply', '--server-side', '--field-manager=cloud-empire-demo', '-f', join(REPO_ROOT, 'examples', part)]));
    }
    log('examples applied');
    return federation;
  } catch (error) {
    await federation.stop();
    throw error;
  }
}
