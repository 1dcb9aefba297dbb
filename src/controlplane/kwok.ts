// kwok plays the kubelets of a local member cluster: it heartbeats the fake
// nodes and moves the pods the real kube-scheduler bound to them to Running
// (Job pods to Succeeded). Stages: hack/kwok/stages.yaml.
import { request } from 'node:http';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { binaries, REPO_ROOT } from './binaries.ts';
import { freePort, ManagedProcess, waitFor } from './process.ts';

/** kwok manages the nodes carrying this annotation (kwok's own convention), no others. */
export const KWOK_NODE_ANNOTATION = 'kwok.x-k8s.io/node';
export const KWOK_NODE_ANNOTATION_VALUE = 'fake';

export const KWOK_STAGES_FILE = join(REPO_ROOT, 'hack', 'kwok', 'stages.yaml');

// Pod IPs kwok hands out; apart from the clusters' service range 10.0.0.0/24
// (kwok's default pod CIDR is the same /24) and big enough for benchmarks.
const POD_CIDR = '10.128.0.0/14';

export interface KwokOptions {
  /** The cluster's name, for process names and errors. */
  cluster: string;
  /** A directory of the cluster's own: kwok's log and its home (so no ~/.kwok/kwok.yaml is read). */
  dir: string;
  kubeconfigPath: string;
}

function httpStatus(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end();
  });
}

/** Starts kwok for one cluster and resolves once its controllers run (its /healthz answers after they start). */
export async function startKwok(options: KwokOptions): Promise<ManagedProcess> {
  const home = join(options.dir, 'kwok-home');
  mkdirSync(home, { recursive: true });
  const port = await freePort();
  const proc = new ManagedProcess(
    `kwok(${options.cluster})`,
    binaries.kwok(),
    [
      `--kubeconfig=${options.kubeconfigPath}`,
      `--config=${KWOK_STAGES_FILE}`,
      `--manage-nodes-with-annotation-selector=${KWOK_NODE_ANNOTATION}=${KWOK_NODE_ANNOTATION_VALUE}`,
      `--cidr=${POD_CIDR}`,
      '--node-ip=127.0.0.1',
      `--server-address=127.0.0.1:${port}`,
    ],
    join(options.dir, 'kwok.log'),
    { ...process.env, HOME: home },
  );
  try {
    await waitFor(`kwok of ${options.cluster}`, async () => (await httpStatus(`http://127.0.0.1:${port}/healthz`)) === 200, {
      timeoutMs: 60_000,
      intervalMs: 200,
      process: proc,
    });
  } catch (error) {
    await proc.stop();
    throw error;
  }
  return proc;
}
