import type { SovereignNode } from '../api/generated/types.ts';
import { startController, type RunningController } from '../operator/controller.ts';
import { clusterCollection } from '../operator/objects.ts';
import { SovereignNodeReconciler, type SovereignNodeReconcilerDeps } from './sovereignnode.ts';

/** Watches SovereignNodes on the host and reconciles each one. */
export async function startSovereignNodeController(deps: SovereignNodeReconcilerDeps): Promise<RunningController> {
  const reconciler = new SovereignNodeReconciler(deps);
  return startController<SovereignNode>({
    name: 'sovereignnode',
    kubeConfig: deps.host,
    ...clusterCollection<SovereignNode>(deps.host, 'sovereignnodes'),
    reconcile: (name) => reconciler.reconcile(name),
    log: deps.log,
  });
}
