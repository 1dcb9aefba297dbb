import { bookedNote } from '../bookings.ts';
import { currentPods, type PoolFilterPlugin } from '../framework.ts';
import { slotsFor } from '../snapshot.ts';
import { usablePlace } from '../places.ts';

export const GPU_FIT = 'GpuFit';

/**
 * The device a pod asks for: resource name (whole GPU, MIG profile,
 * amd.com/gpu…), model, memory, named pools, and `count` free on one node —
 * a pod needing 8 GPUs does not fit a pool whose nodes each have 1 free.
 * Only verified nodes attested where the workload may run count.
 */
export const gpuFit: PoolFilterPlugin = {
  name: GPU_FIT,
  applies: ({ request }) => request.gpu !== undefined,
  filterPool(state, _cluster, pool) {
    const gpu = state.request.gpu!;
    if (gpu.pools && !gpu.pools.has(pool.name)) return { plugin: GPU_FIT, code: 'PoolNotRequested', reason: `pool ${pool.name} is not in spec.gpu.pools` };
    if (pool.resourceName !== gpu.resourceName) {
      return {
        plugin: GPU_FIT,
        code: 'ResourceNameMismatch',
        reason: `pool ${pool.name} offers ${pool.resourceName}, the workload asks for ${gpu.resourceName}`,
      };
    }
    if (gpu.model !== undefined && pool.model !== gpu.model)
      return { plugin: GPU_FIT, code: 'ModelMismatch', reason: `pool ${pool.name} has ${pool.model}, the workload asks for ${gpu.model}` };
    if (gpu.minMemoryMiB !== undefined && (pool.memoryMiB ?? 0) < gpu.minMemoryMiB) {
      return {
        plugin: GPU_FIT,
        code: 'GpuMemoryTooSmall',
        reason: `pool ${pool.name} has ${pool.memoryMiB === undefined ? 'undeclared' : `${pool.memoryMiB} MiB`} per device, the workload needs at least ${gpu.minMemoryMiB} MiB`,
      };
    }
    if (!pool.ready)
      return { plugin: GPU_FIT, code: 'PoolNotReady', reason: `pool ${pool.name} is not Ready${pool.readyMessage ? `: ${pool.readyMessage}` : ''}` };
    // The workload's own pods hold devices here already: where it runs now still fits it.
    const running = currentPods(state.options, pool.cluster, pool.name) > 0;
    let free = 0;
    let maxNodeFree = 0;
    for (const group of pool.groups) {
      if (!usablePlace(state, group)) continue;
      if (running || slotsFor(group, gpu.count) > 0) return undefined;
      free += group.free;
      if (group.maxNodeFree > maxNodeFree) maxNodeFree = group.maxNodeFree;
    }
    if (free < gpu.count) {
      return {
        plugin: GPU_FIT,
        code: 'InsufficientGpus',
        reason: `pool ${pool.name} has ${free} of ${pool.allocatable} ${pool.resourceName} free on verified nodes${bookedNote([pool])}, a pod needs ${gpu.count}`,
      };
    }
    return {
      plugin: GPU_FIT,
      code: 'PodDoesNotFitOnANode',
      reason: `a pod needs ${gpu.count} ${pool.resourceName} on one node; the most free on a verified node of pool ${pool.name} is ${maxNodeFree}${bookedNote([pool])}`,
    };
  },
};
