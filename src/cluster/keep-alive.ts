import type { KubeConfig } from '@kubernetes/client-node';

type Factory = (cluster: unknown, options: Record<string, unknown>) => unknown;
interface Patchable {
  createDispatcher: Factory;
  getAgentCacheKey: (cluster: unknown) => string;
  [REUSED]?: true;
}
const REUSED = Symbol('cloud-empire.connection-reuse');

/**
 * client-node 2.x builds a new undici Agent for every request (its
 * createDispatcher runs per request context), so no connection is ever
 * reused: each call is a new TLS handshake and a new OpenSSL secure context
 * with the cluster CA. Measured: 5,000 creates grew the process to ~690 MB
 * RSS (native memory), against ~160 MB with one pooled agent. One dispatcher
 * per (cluster, user), the key client-node already uses for its https agents.
 */
export function withConnectionReuse(kubeConfig: KubeConfig): KubeConfig {
  const target = kubeConfig as unknown as Patchable;
  if (target[REUSED]) return kubeConfig;
  target[REUSED] = true;
  const create = target.createDispatcher.bind(kubeConfig);
  const dispatchers = new Map<string, unknown>();
  target.createDispatcher = (cluster, options) => {
    const key = target.getAgentCacheKey(cluster);
    if (!dispatchers.has(key)) dispatchers.set(key, create(cluster, options));
    return dispatchers.get(key);
  };
  return kubeConfig;
}
