import type { KubeConfig } from '@kubernetes/client-node';
import { Agent } from 'undici';

interface DispatcherOptions {
  type: 'agent' | 'proxy' | 'socks' | 'none';
  connect?: Record<string, unknown>;
}
interface Patchable {
  createDispatcher: (cluster: unknown, options: Record<string, unknown>) => unknown;
  createDispatcherOptions: (cluster: unknown, options: Record<string, unknown>) => DispatcherOptions;
  [BOUNDED]?: number;
}
const BOUNDED = Symbol('cloud-empire.bounded-responses');

/**
 * Caps every response body client-node reads through this kubeconfig (probes,
 * Node reads and writes against a member): undici aborts a body larger than
 * `maxBytes` as it arrives, so a hostile member API server cannot make the
 * operator buffer an unbounded JSON document. Apply before withConnectionReuse,
 * which then pools the bounded dispatcher. Kubeconfigs that need a proxy are
 * refused earlier (kubeconfig-policy), so only the direct agent is built here.
 */
export function withBoundedResponses(kubeConfig: KubeConfig, maxBytes: number): KubeConfig {
  const target = kubeConfig as unknown as Patchable;
  if (target[BOUNDED] !== undefined) return kubeConfig;
  target[BOUNDED] = maxBytes;
  const create = target.createDispatcher.bind(kubeConfig);
  target.createDispatcher = (cluster, options) => {
    const opts = target.createDispatcherOptions.call(kubeConfig, cluster, options);
    // 'none' (no TLS options: a public CA) would fall back to undici's global, unbounded dispatcher.
    if (opts.type !== 'agent' && opts.type !== 'none') return create(cluster, options);
    return new Agent({ ...(opts.connect ? { connect: opts.connect } : {}), maxResponseSize: maxBytes });
  };
  return kubeConfig;
}
