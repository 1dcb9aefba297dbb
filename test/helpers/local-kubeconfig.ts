import { KubeConfig } from '@kubernetes/client-node';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A KubeConfig for an API server a unit test plays on 127.0.0.1 over plain HTTP (a Server listening, or its port). */
export function localKubeConfig(server: Server | number, token = 'test-token'): KubeConfig {
  const port = typeof server === 'number' ? server : (server.address() as AddressInfo).port;
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'h', server: `http://127.0.0.1:${port}`, skipTLSVerify: true }],
    users: [{ name: 'h', token }],
    contexts: [{ name: 'h', cluster: 'h', user: 'h' }],
    currentContext: 'h',
  });
  return kc;
}
