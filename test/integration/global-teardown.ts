import type { LocalFederation } from '../../src/controlplane/federation.ts';

export default async function globalTeardown(): Promise<void> {
  await (globalThis as { __cloudEmpireFederation?: LocalFederation }).__cloudEmpireFederation?.stop();
}
