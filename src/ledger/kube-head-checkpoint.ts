import { CoreV1Api, type KubeConfig, type V1ConfigMap } from '@kubernetes/client-node';
import { parseHead, type HeadCheckpoint, type LedgerHead } from './embedded/head-checkpoint.ts';

export const LEDGER_HEAD_CONFIGMAP = 'cloud-empire-ledger-head';

const httpStatus = (error: unknown) => (error as { code?: unknown })?.code;

/**
 * The embedded ledger's head in a ConfigMap of the host cluster (beside the
 * operator's identity Secret), off the ledger's volume. Updates are
 * resourceVersion-checked, so two writers cannot overwrite each other
 * silently, and never move the head backwards.
 */
export class ConfigMapHeadCheckpoint implements HeadCheckpoint {
  readonly where: string;
  private readonly core: CoreV1Api;
  private readonly namespace: string;
  private readonly name: string;
  /** The ConfigMap as last read or written, so a write needs no read unless someone else changed it. */
  private current?: V1ConfigMap;

  constructor(host: KubeConfig, namespace: string, name = LEDGER_HEAD_CONFIGMAP) {
    this.core = host.makeApiClient(CoreV1Api);
    this.namespace = namespace;
    this.name = name;
    this.where = `ConfigMap ${namespace}/${name}`;
  }

  async read(): Promise<LedgerHead | undefined> {
    try {
      this.current = await this.core.readNamespacedConfigMap({ name: this.name, namespace: this.namespace });
    } catch (error) {
      if (httpStatus(error) === 404) return (this.current = undefined);
      throw error;
    }
    return this.headOf(this.current);
  }

  async write(head: LedgerHead): Promise<void> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const stored = this.current && this.headOf(this.current);
      if (stored && stored.height > head.height)
        throw new Error(`${this.where} is at block ${stored.height}, ahead of this ledger's ${head.height}: another writer uses it`);
      const body: V1ConfigMap = {
        metadata: {
          name: this.name,
          namespace: this.namespace,
          labels: { 'app.kubernetes.io/part-of': 'cloud-empire' },
          resourceVersion: this.current?.metadata?.resourceVersion,
        },
        data: { height: String(head.height), hash: head.hash },
      };
      try {
        this.current = this.current
          ? await this.core.replaceNamespacedConfigMap({ name: this.name, namespace: this.namespace, body })
          : await this.core.createNamespacedConfigMap({ namespace: this.namespace, body });
        return;
      } catch (error) {
        // Someone else wrote it since we read it: read again and re-check that it is not ahead.
        if (httpStatus(error) !== 409) throw error;
        await this.read();
      }
    }
    throw new Error(`${this.where} kept changing under this ledger's writes; is a second operator writing it?`);
  }

  private headOf(configMap: V1ConfigMap): LedgerHead {
    const data = configMap.data ?? {};
    return parseHead({ height: /^\d+$/.test(data.height ?? '') ? Number(data.height) : NaN, hash: data.hash }, this.where);
  }
}
