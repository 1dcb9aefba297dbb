// The Lua health scripts of examples/argocd/argocd-cm.yaml run by Argo CD's
// own evaluator over status objects of the shapes the controllers write
// (conditions, reasons and observedGeneration as in the integration tests).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { cacheDir, REPO_ROOT } from '../../../src/controlplane/binaries.ts';
import { run } from '../../../src/controlplane/kubectl.ts';

const argocdVersion = /github\.com\/argoproj\/argo-cd\/v3 (v\S+)/.exec(readFileSync(join(REPO_ROOT, 'hack', 'argocd', 'go.mod'), 'utf8'))![1];
const ARGOCD = join(cacheDir(), 'bin', `argocd-${argocdVersion}`, 'argocd');
const ARGOCD_CM = join(REPO_ROOT, 'examples', 'argocd', 'argocd-cm.yaml');

interface Condition {
  type: string;
  status: 'True' | 'False';
  reason: string;
  message?: string;
  observedGeneration?: number;
}
const c = (type: string, status: 'True' | 'False', reason: string, message = `${type} ${reason}`, observedGeneration = 1): Condition => ({
  type,
  status,
  reason,
  message,
  observedGeneration,
});

function resource(
  kind: string,
  conditions: Condition[] | undefined,
  extra: { generation?: number; spec?: Record<string, unknown>; observedGeneration?: number } = {},
) {
  return {
    apiVersion: 'cloudempire.eu/v1alpha1',
    kind,
    metadata: { name: 'sample', generation: extra.generation ?? 1, ...(kind === 'FederatedWorkload' ? { namespace: 'team-a' } : {}) },
    spec: extra.spec ?? {},
    ...(conditions ? { status: { observedGeneration: extra.observedGeneration ?? 1, conditions } } : {}),
  };
}

const verified = c('Verified', 'True', 'Verified', 'credential of did:key:z6Mk… verified, issued by French node trust authority');
const bound = c('NodeBound', 'True', 'NodeMarked');
const recorded = [c('Recorded', 'True', 'AttestationRecorded'), c('LedgerAvailable', 'True', 'LedgerAnswered')];
const fwConditions = (ready: 'True' | 'False', progressing: 'True' | 'False') => [
  c('Scheduled', 'True', 'Placed'),
  c('Progressing', progressing, progressing === 'True' ? 'Rollout' : 'Complete', '1 of 2 replicas ready in paris'),
  c('Ready', ready, ready === 'True' ? 'AllReady' : 'NotReady'),
  c('Degraded', 'False', 'AsPlanned'),
];

const cases: [string, ReturnType<typeof resource>, 'Healthy' | 'Progressing' | 'Degraded' | 'Suspended', string][] = [
  ['a verified, bound, recorded node', resource('SovereignNode', [verified, bound, ...recorded]), 'Healthy', 'issued by French node trust authority'],
  ['a node not yet looked at', resource('SovereignNode', undefined), 'Progressing', 'verify the node'],
  ['a node whose new generation is not verified yet', resource('SovereignNode', [verified, bound], { generation: 2 }), 'Progressing', 'generation 2'],
  [
    'a node waiting for its agent',
    resource('SovereignNode', [c('Verified', 'False', 'ProofMissing', 'answer the challenge in status.challenge')]),
    'Progressing',
    'answer the challenge',
  ],
  [
    'an expired credential',
    resource('SovereignNode', [c('Verified', 'False', 'Expired', 'credential expired at 2025-01-31'), bound]),
    'Degraded',
    'Expired: credential expired',
  ],
  [
    'a node outside the jurisdiction',
    resource('SovereignNode', [c('Verified', 'False', 'JurisdictionDenied', 'GB is not in EU'), bound]),
    'Degraded',
    'JurisdictionDenied',
  ],
  [
    'a verdict the ledger could not record',
    resource('SovereignNode', [verified, bound, c('LedgerAvailable', 'False', 'LedgerUnavailable', 'ledger down; the record is pending')]),
    'Degraded',
    'the record is pending',
  ],
  [
    'a verified node missing in its member',
    resource('SovereignNode', [verified, c('NodeBound', 'False', 'NodeNotFound', 'no Node par-h100-9')]),
    'Progressing',
    'NodeNotFound',
  ],
  ['a reachable member', resource('MemberCluster', [c('Ready', 'True', 'Reachable', 'API server v1.34.4 answers')]), 'Healthy', 'v1.34.4'],
  ['an unreachable member', resource('MemberCluster', [c('Ready', 'False', 'MemberUnreachable', 'connect ECONNREFUSED')]), 'Degraded', 'MemberUnreachable'],
  ['a member not probed yet', resource('MemberCluster', []), 'Progressing', 'probe'],
  [
    'an available pool',
    resource('GpuPool', [c('Ready', 'True', 'PoolAvailable', '16 of 16 GPUs allocatable'), c('HardwareMatches', 'True', 'FeatureDiscoveryAgrees')]),
    'Healthy',
    '16 of 16',
  ],
  [
    'a pool without verified nodes',
    resource('GpuPool', [c('Ready', 'False', 'NoVerifiedNodes', '2 node(s) match the selector, none verified')]),
    'Degraded',
    'NoVerifiedNodes',
  ],
  [
    'a pool whose hardware disagrees',
    resource('GpuPool', [c('Ready', 'True', 'PoolAvailable'), c('HardwareMatches', 'False', 'FeatureDiscoveryMismatch', 'labels say A100')]),
    'Degraded',
    'FeatureDiscoveryMismatch',
  ],
  ['a workload ready everywhere', resource('FederatedWorkload', fwConditions('True', 'False')), 'Healthy', 'Ready AllReady'],
  ['a workload rolling out', resource('FederatedWorkload', fwConditions('False', 'True')), 'Progressing', '1 of 2 replicas ready'],
  [
    'a workload nothing can host',
    resource('FederatedWorkload', [c('Scheduled', 'False', 'Unschedulable', 'no verified cluster in FR has 8 free H100')]),
    'Degraded',
    'Unschedulable',
  ],
  [
    'a workload degraded after a cluster loss',
    resource('FederatedWorkload', [c('Scheduled', 'True', 'Placed'), c('Degraded', 'True', 'ClusterLost', 'madrid unreachable')]),
    'Degraded',
    'ClusterLost',
  ],
  ['a suspended workload', resource('FederatedWorkload', fwConditions('True', 'False'), { spec: { suspend: true } }), 'Suspended', 'Suspended'],
  [
    'a workload whose new spec is not observed yet',
    resource('FederatedWorkload', fwConditions('True', 'False'), { generation: 3 }),
    'Progressing',
    'generation 3',
  ],
];

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'cloud-empire-argocd-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('Argo CD health of the four kinds (argocd admin settings resource-overrides health)', () => {
  it.each(cases)(
    '%s is %s',
    async (name, object, status, message) => {
      const file = join(dir, `${name.replaceAll(/\W+/g, '-')}.yaml`);
      writeFileSync(file, stringify(object));
      const result = await run(ARGOCD, ['admin', 'settings', 'resource-overrides', 'health', file, '--argocd-cm-path', ARGOCD_CM], {
        env: { ...process.env, HOME: dir },
      });
      expect(result.stderr).not.toMatch(/error|failed/i);
      expect(result.stdout).toContain(`STATUS: ${status}\n`);
      expect(result.stdout).toMatch(new RegExp(`MESSAGE: .*${message.replaceAll(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    },
    30_000,
  );
});
