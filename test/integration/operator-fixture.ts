// What the controller tests on a real federation set up the same way: a SovereignNode vouched for by an
// issuer, a FederatedWorkload wrapping a one-container Deployment, and the whole operator on an embedded
// ledger the test opened (so it can also act as a data owner or trust admin on the same ledger).
import { CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { join } from 'node:path';
import type { FederatedWorkload } from '../../src/api/generated/types.ts';
import type { EmbeddedLedger } from '../../src/ledger/embedded/embedded-ledger.ts';
import { SovereigntyLedger } from '../../src/ledger/ledger.ts';
import { EMBEDDED_OPERATOR_IDENTITY } from '../../src/ledger/open.ts';
import { createLogger } from '../../src/logging/logger.ts';
import { startOperator, type RunningOperator } from '../../src/operator/operator.ts';
import { issueNodeCredential, newIdentity, type Identity } from '../../src/trust/issue.ts';

/** Creates the SovereignNode `name` (`<cluster>-<nodeName>` unless told): a fresh did:key node, its credential issued by `issuer`, valid a day. */
export async function vouchForNode(
  host: KubeConfig,
  issuer: Identity,
  node: { cluster: string; nodeName: string; country: string; name?: string },
): Promise<void> {
  const subject = newIdentity({ method: 'key' });
  const credential = await issueNodeCredential(issuer.key, {
    subject: subject.did,
    memberCluster: node.cluster,
    nodeName: node.nodeName,
    countryCode: node.country,
    validForSeconds: 86_400,
  });
  await host.makeApiClient(CustomObjectsApi).createClusterCustomObject({
    group: 'cloudempire.eu',
    version: 'v1alpha1',
    plural: 'sovereignnodes',
    body: {
      apiVersion: 'cloudempire.eu/v1alpha1',
      kind: 'SovereignNode',
      metadata: { name: node.name ?? `${node.cluster}-${node.nodeName}` },
      spec: { memberCluster: node.cluster, nodeName: node.nodeName, did: subject.did, credential },
    },
  });
}

/** A FederatedWorkload of a Deployment with one container (`app`, image app:1.0 unless told), selected by `app: <name>`. */
export function deploymentWorkload(
  name: string,
  namespace: string,
  pod: { replicas?: number; container?: string; image?: string; requests: Record<string, string> },
  spec: Omit<Partial<FederatedWorkload['spec']>, 'template'> = {},
): FederatedWorkload {
  return {
    apiVersion: 'cloudempire.eu/v1alpha1',
    kind: 'FederatedWorkload',
    metadata: { name, namespace },
    spec: {
      template: {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        spec: {
          replicas: pod.replicas ?? 1,
          selector: { matchLabels: { app: name } },
          template: {
            metadata: { labels: { app: name } },
            spec: {
              containers: [{ name: pod.container ?? 'app', image: pod.image ?? 'registry.example.eu/team/app:1.0', resources: { requests: pod.requests } }],
            },
          },
        },
      } as FederatedWorkload['spec']['template'],
      ...spec,
    },
  };
}

/** The whole operator in this process, on `store` as the operator's identity, with the short probe and requeue periods tests use. */
export function startOperatorOn(host: KubeConfig, store: EmbeddedLedger, dir: string): Promise<RunningOperator> {
  return startOperator({
    host,
    namespace: 'cloud-empire',
    ledgerDir: join(dir, 'unused'),
    ledger: new SovereigntyLedger(store.connect(EMBEDDED_OPERATOR_IDENTITY), () => store.close()),
    log: createLogger({ level: 'error' }),
    probeIntervalMs: 500,
    unreachableGraceMs: 2_000,
    workloadProgressRequeueMs: 500,
  });
}
