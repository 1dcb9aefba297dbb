import { FederatedWorkloadKind } from './federatedworkload.ts';
import { GpuPoolKind } from './gpupool.ts';
import type { KindDefinition } from './kind.ts';
import { MemberClusterKind } from './membercluster.ts';
import { SovereignNodeKind } from './sovereignnode.ts';

export { API_VERSION, GROUP, VERSION } from './common.ts';
export type { KindDefinition } from './kind.ts';

export const KINDS: readonly KindDefinition[] = [MemberClusterKind, SovereignNodeKind, GpuPoolKind, FederatedWorkloadKind];
