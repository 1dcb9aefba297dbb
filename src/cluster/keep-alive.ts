import type { KubeConfig } from '@kubernetes/client-node';

type AgentFactory = (cluster: unknown, options: Record<string, unknown>) => unknown;

/**
 * client-node caches one https.Agent per KubeConfig but without keep-alive:
 * every request is a new TLS connection and, with a cluster CA, a new OpenSSL
 * secure context. Reusing connections saves a handshake per request and the
 * native memory each context costs.
 */
export function withKeepAlive(kubeConfig: KubeConfig): KubeConfig {
  const target = kubeConfig as unknown as { createAgent: AgentFactory };
  const original = target.createAgent.bind(kubeConfig);
  target.createAgent = (cluster, options) => original(cluster, { ...options, keepAlive: true, scheduling: 'lifo' });
  return kubeConfig;
}
