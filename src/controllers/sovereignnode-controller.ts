import { CustomObjectsApi, type KubernetesListObject } from '@kubernetes/client-node';
import type { SovereignNode } from '../api/generated/types.ts';
import { GROUP, VERSION } from '../api/schema/common.ts';
import { startController, type RunningController } from '../operator/controller.ts';
import { SovereignNodeReconciler, type SovereignNodeReconcilerDeps } from './sovereignnode.ts';

/** Watches SovereignNodes on the host and reconciles each one. */
export async function startSovereignNodeController(deps: SovereignNodeReconcilerDeps): Promise<RunningController> {
  const reconciler = new SovereignNodeReconciler(deps);
  const custom = deps.host.makeApiClient(CustomObjectsApi);
  return startController<SovereignNode>({
    name: 'sovereignnode',
    kubeConfig: deps.host,
    path: `/apis/${GROUP}/${VERSION}/sovereignnodes`,
    list: async () =>
      (await custom.listClusterCustomObject({ group: GROUP, version: VERSION, plural: 'sovereignnodes' })) as KubernetesListObject<SovereignNode>,
    reconcile: (name) => reconciler.reconcile(name),
    log: deps.log,
  });
}
