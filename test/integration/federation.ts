import { randomBytes } from 'node:crypto';
import type { KubeConfig } from '@kubernetes/client-node';
import { CoreV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import { readFileSync } from 'node:fs';
import type { FederationAccess } from '../../src/controlplane/federation.ts';
import { kubeConfigFromAccess, type ClusterAccess } from '../../src/controlplane/local-cluster.ts';

export const ACCESS_ENV = 'CLOUD_EMPIRE_TEST_FEDERATION';
export const TEST_MEMBERS = ['paris', 'madrid'] as const;
export type TestMember = (typeof TEST_MEMBERS)[number];

export function federationAccess(): FederationAccess {
  const file = process.env[ACCESS_ENV];
  if (!file) throw new Error(`${ACCESS_ENV} is not set: run integration tests through jest's integration project`);
  return JSON.parse(readFileSync(file, 'utf8')) as FederationAccess;
}

export function hostAccess(): ClusterAccess {
  return federationAccess().host;
}

export function memberAccess(name: TestMember): ClusterAccess {
  return federationAccess().members.find((m) => m.name === name)!;
}

export function kubeConfig(access: ClusterAccess): KubeConfig {
  return kubeConfigFromAccess(access);
}

let counter = 0;
// Jest loads this module afresh for each test file in a worker, so the pid alone is not unique.
const moduleRun = randomBytes(2).toString('hex');
/** A name no other test in this run uses. */
export function uniqueName(prefix: string): string {
  counter += 1;
  return `${prefix}-${process.pid.toString(36)}${moduleRun}-${counter}`;
}

/** Creates a namespace and waits for its default ServiceAccount, which pod admission needs. */
export async function createNamespace(kc: KubeConfig, name: string): Promise<void> {
  const core = kc.makeApiClient(CoreV1Api);
  await core.createNamespace({ body: { metadata: { name } } });
  await eventually(async () => {
    await core.readNamespacedServiceAccount({ name: 'default', namespace: name });
  }, 30_000);
}

/** Retries `check` until it stops throwing. */
export async function eventually<T>(check: () => Promise<T>, timeoutMs = 20_000, intervalMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  }
}

/** Installs the CRDs on a host and waits until they are served (server-side apply is idempotent). */
export async function installCrds(kubeconfigPath: string): Promise<void> {
  const { kubectl } = await import('../../src/controlplane/kubectl.ts');
  const { REPO_ROOT } = await import('../../src/controlplane/binaries.ts');
  const { join } = await import('node:path');
  const applied = await kubectl(kubeconfigPath, ['apply', '--server-side', '--field-manager=cloud-empire-tests', '-f', join(REPO_ROOT, 'crds')]);
  if (applied.code !== 0) throw new Error(applied.stderr);
  const waited = await kubectl(kubeconfigPath, ['wait', '--for=condition=Established', '--timeout=60s', 'crd', '-l', 'app.kubernetes.io/part-of=cloud-empire']);
  if (waited.code !== 0) throw new Error(waited.stderr);
}

let crdsInstalled: Promise<void> | undefined;
/** Installs the CRDs on the shared host once per test worker. */
export function ensureCrds(): Promise<void> {
  crdsInstalled ??= installCrds(hostAccess().kubeconfigPath);
  return crdsInstalled;
}

/** Creates a namespace unless it exists. */
export async function ensureNamespace(kc: KubeConfig, name: string): Promise<void> {
  try {
    await kc.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name } } });
  } catch (error) {
    if ((error as { code?: number }).code !== 409) throw error;
  }
}

/**
 * Registers a member with the operator as a platform team does: its
 * kubeconfig in a Secret of the operator's namespace and a MemberCluster
 * naming it (provider `<name>-cloud`).
 */
export async function registerMemberCluster(
  host: KubeConfig,
  member: { name: string; kubeconfig: string; country: string; provider?: string; namespace?: string },
): Promise<void> {
  const namespace = member.namespace ?? 'cloud-empire';
  const secret = `${member.name}-kubeconfig`;
  await host
    .makeApiClient(CoreV1Api)
    .createNamespacedSecret({ namespace, body: { metadata: { name: secret }, stringData: { kubeconfig: member.kubeconfig } } });
  await host.makeApiClient(CustomObjectsApi).createClusterCustomObject({
    group: 'cloudempire.eu',
    version: 'v1alpha1',
    plural: 'memberclusters',
    body: {
      apiVersion: 'cloudempire.eu/v1alpha1',
      kind: 'MemberCluster',
      metadata: { name: member.name },
      spec: { kubeconfigSecretRef: { name: secret, namespace }, country: member.country, provider: member.provider ?? `${member.name}-cloud` },
    },
  });
}

/**
 * A fresh host as the operator expects it: its namespace `cloud-empire` with
 * the trust anchors ConfigMap trusting one issuer, and the tenant namespaces.
 */
export async function prepareOperatorHost(host: KubeConfig, issuerDid: string, namespaces: readonly string[] = ['team']): Promise<void> {
  const core = host.makeApiClient(CoreV1Api);
  for (const namespace of ['cloud-empire', ...namespaces]) await core.createNamespace({ body: { metadata: { name: namespace } } });
  await core.createNamespacedConfigMap({
    namespace: 'cloud-empire',
    body: {
      metadata: { name: 'cloud-empire-trust-anchors' },
      data: { 'trust-anchors.yaml': `issuers: [{did: "${issuerDid}", name: test}]\naudience: urn:test\nrequireProofOfPossession: false\n` },
    },
  });
}
