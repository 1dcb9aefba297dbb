import { ApiextensionsV1Api } from '@kubernetes/client-node';
import { join } from 'node:path';
import { KINDS } from '../../../src/api/schema/index.ts';
import { crdName } from '../../../src/api/crd.ts';
import { REPO_ROOT } from '../../../src/controlplane/binaries.ts';
import { kubectl } from '../../../src/controlplane/kubectl.ts';
import { EXAMPLES_DIR, loadBases } from '../../fixtures/bases.ts';
import { INVALID_CASES, type Bases } from '../../fixtures/invalid-cases.ts';
import { eventually, hostAccess, kubeConfig } from '../federation.ts';

const kubeconfig = () => hostAccess().kubeconfigPath;

let bases: Bases;
beforeAll(async () => {
  bases = await loadBases();
  const applied = await kubectl(kubeconfig(), ['apply', '--server-side', '--field-manager=cloud-empire-tests', '-f', join(REPO_ROOT, 'crds')]);
  expect(applied).toMatchObject({ code: 0 });
  // Helm creates the operator's namespace; the trust-anchor ConfigMap lives there.
  const namespace = await kubectl(kubeconfig(), ['create', 'namespace', 'cloud-empire']);
  expect(namespace.stderr).toMatch(/^$|AlreadyExists/);
  const established = await kubectl(kubeconfig(), ['wait', '--for=condition=Established', '--timeout=60s', ...KINDS.map((k) => `crd/${crdName(k)}`)]);
  expect(established).toMatchObject({ code: 0 });
});

describe('CRDs on a real kube-apiserver', () => {
  it('are Established with their names accepted', async () => {
    const api = kubeConfig(hostAccess()).makeApiClient(ApiextensionsV1Api);
    for (const kind of KINDS) {
      const crd = await api.readCustomResourceDefinition({ name: crdName(kind) });
      const condition = (type: string) => crd.status?.conditions?.find((c) => c.type === type)?.status;
      expect({ kind: kind.kind, established: condition('Established'), namesAccepted: condition('NamesAccepted') }).toEqual({
        kind: kind.kind,
        established: 'True',
        namesAccepted: 'True',
      });
      expect(crd.status?.acceptedNames?.shortNames).toEqual(kind.shortNames);
    }
  });

  it('serve the category and printer columns', async () => {
    // Discovery (where categories live) catches up with a new CRD a moment after Established.
    const result = await eventually(async () => {
      const r = await kubectl(kubeconfig(), ['get', 'cloudempire', '-A']);
      if (r.code !== 0) throw new Error(r.stderr);
      return r;
    });
    expect(result.stderr).toMatch(/No resources found|^$/);
    const columns = await kubectl(kubeconfig(), ['get', 'mc,sn,gp,fw', '-A', '-o', 'wide']);
    expect(columns).toMatchObject({ code: 0 });
  });

  it('accept every example with kubectl apply --server-side --dry-run=server', async () => {
    // The directories a user applies (README); examples/snapshot is input for `empirectl explain`, not for a cluster.
    const dirs = ['federation', 'nodes', 'gpupools', 'workloads'].flatMap((d) => ['-f', join(EXAMPLES_DIR, d)]);
    const result = await kubectl(kubeconfig(), ['apply', '--server-side', '--dry-run=server', ...dirs]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout.match(/serverside-applied \(server dry run\)/g)).toHaveLength(18);
    expect(result.stdout).toContain('configmap/cloud-empire-trust-anchors serverside-applied');
  });

  const serverCases = INVALID_CASES.filter((c) => c.server !== false);
  it.each(serverCases.map((c) => [c.name, c] as const))('reject %s at the field the validator names', async (_name, testCase) => {
    const object = structuredClone(bases[testCase.base]) as Parameters<typeof testCase.mutate>[0];
    testCase.mutate(object);
    const result = await kubectl(kubeconfig(), ['apply', '--server-side', '--dry-run=server', '-f', '-'], JSON.stringify(object));
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(testCase.serverPath ?? testCase.path);
  });
});
