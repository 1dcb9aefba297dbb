// A reusable leak check for tests that run the operator: everything it logged,
// and what it wrote where others read (status of the federation's objects,
// Events), must hold no kubeconfig token, no private key and no credential JWT.
import { CoreV1Api, CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { PassThrough } from 'node:stream';
import type { Logger } from 'winston';
import { createLogger } from '../../src/logging/logger.ts';

/** A logger whose lines are kept for scanning; debug level, so every line the operator can write is seen. */
export function capturingLogger(): { log: Logger; text: () => string } {
  const stream = new PassThrough();
  const chunks: string[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk.toString('utf8')));
  return { log: createLogger({ format: 'json', stream, level: 'debug' }), text: () => chunks.join('') };
}

const PATTERNS: [string, RegExp][] = [
  ['a JWT', /eyJ[A-Za-z0-9_-]{2,}\.eyJ[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]+/],
  ['a PEM private key', /-----BEGIN [A-Z ]*PRIVATE KEY-----/],
  ['a private JWK', /"d"\s*:\s*"[A-Za-z0-9_-]{20,}"/],
];

/** What in `text` looks like a secret or equals a known one (tokens, key material); empty when clean. */
export function findSecrets(text: string, known: readonly string[] = []): string[] {
  const found = PATTERNS.filter(([, pattern]) => pattern.test(text)).map(([name, pattern]) => `${name}: …${text.match(pattern)![0].slice(0, 24)}…`);
  for (const secret of known) if (secret && text.includes(secret)) found.push(`a known secret (${secret.slice(0, 4)}…)`);
  return found;
}

/** Retries what the API server answers 429 to (e.g. "storage is (re)initializing" just after a CRD changes). */
async function retrying<T>(call: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if ((error as { code?: number }).code !== 429 || attempt >= 20) throw error;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

/** Status of every MemberCluster, SovereignNode and GpuPool, and every Event, as one text. */
export async function clusterText(host: KubeConfig): Promise<string> {
  const custom = host.makeApiClient(CustomObjectsApi);
  const parts: unknown[] = [];
  for (const plural of ['memberclusters', 'sovereignnodes', 'gpupools']) {
    const list = (await retrying(() => custom.listClusterCustomObject({ group: 'cloudempire.eu', version: 'v1alpha1', plural }))) as {
      items: { metadata: { name: string }; status?: unknown }[];
    };
    parts.push(...list.items.map((item) => ({ plural, name: item.metadata.name, status: item.status })));
  }
  const events = await retrying(() => host.makeApiClient(CoreV1Api).listEventForAllNamespaces());
  parts.push(...events.items.map((e) => ({ reason: e.reason, message: e.message, note: (e as { note?: string }).note })));
  return JSON.stringify(parts);
}

/** Fails the test with what leaked where. */
export async function expectNoLeaks(host: KubeConfig, logText: string, known: readonly string[]): Promise<void> {
  const leaks = [...findSecrets(logText, known).map((l) => `log: ${l}`), ...findSecrets(await clusterText(host), known).map((l) => `cluster: ${l}`)];
  expect(leaks).toEqual([]);
}
