import type { FakeNodeSpec } from '../controlplane/fake-nodes.ts';

// The machines behind examples/nodes/: what a kubelet and GPU Feature
// Discovery would report for them.
const cpu = { cpu: '64', memory: '256Gi' };
const h100 = (name: string): FakeNodeSpec => ({
  name,
  labels: {
    'nvidia.com/gpu.product': 'NVIDIA-H100-80GB-HBM3',
    'nvidia.com/gpu.memory': '81559',
    'nvidia.com/gpu.count': '8',
  },
  capacity: { ...cpu, 'nvidia.com/gpu': '8' },
});

export const DEMO_INVENTORY: Record<string, FakeNodeSpec[]> = {
  paris: [h100('par-h100-1'), h100('par-h100-2'), { name: 'par-cpu-1', capacity: cpu }, { name: 'par-edge-lon', capacity: cpu }],
  madrid: [
    {
      name: 'mad-a100-1',
      labels: {
        'nvidia.com/gpu.product': 'NVIDIA-A100-80GB-PCIe-MIG-1g.10gb',
        'nvidia.com/gpu.memory': '9728',
        'nvidia.com/mig.config': 'all-1g.10gb',
        'nvidia.com/gpu.count': '7',
      },
      capacity: { ...cpu, 'nvidia.com/mig-1g.10gb': '7' },
    },
    { name: 'mad-cpu-1', capacity: cpu },
  ],
  warsaw: [
    {
      name: 'waw-mi300-1',
      labels: { 'amd.com/gpu.product-name': 'AMD_Instinct_MI300X', 'amd.com/gpu.vram': '192G' },
      capacity: { ...cpu, 'amd.com/gpu': '8' },
    },
    { name: 'waw-cpu-1', capacity: cpu },
  ],
};

/** The SovereignNodes of examples/nodes/ and the verdict each should get. */
export const DEMO_SOVEREIGN_NODES: Record<string, 'Verified' | 'Expired' | 'JurisdictionDenied'> = {
  'paris-h100-1': 'Verified',
  'paris-h100-2': 'Verified',
  'paris-cpu-1': 'Expired',
  'paris-edge-london': 'JurisdictionDenied',
  'madrid-a100-1': 'Verified',
  'madrid-cpu-1': 'Verified',
  'warsaw-mi300-1': 'Verified',
  'warsaw-cpu-1': 'Verified',
};
