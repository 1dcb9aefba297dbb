import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { newIdentity, type KeyFile } from '../trust/issue.ts';
import { isConflict, isNotFound } from '../runtime/api-errors.ts';

export const OPERATOR_IDENTITY_SECRET = 'cloud-empire-operator-identity';

/**
 * The operator's own DID key, kept in a Secret of its namespace and made on
 * first start (a did:key, so whoever holds a signed offering can check it
 * offline). Replicas racing to make it settle on the first one written.
 */
export async function loadOrCreateOperatorKey(host: KubeConfig, namespace: string): Promise<KeyFile> {
  const core = host.makeApiClient(CoreV1Api);
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const secret = await core.readNamespacedSecret({ name: OPERATOR_IDENTITY_SECRET, namespace });
      const data = secret.data?.['key.jwk'];
      if (!data) throw new Error(`Secret ${namespace}/${OPERATOR_IDENTITY_SECRET} has no key.jwk`);
      return JSON.parse(Buffer.from(data, 'base64').toString('utf8')) as KeyFile;
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
    const identity = newIdentity({ method: 'key' });
    try {
      await core.createNamespacedSecret({
        namespace,
        body: {
          metadata: { name: OPERATOR_IDENTITY_SECRET, labels: { 'app.kubernetes.io/part-of': 'cloud-empire' } },
          type: 'Opaque',
          stringData: { 'key.jwk': JSON.stringify(identity.key), did: identity.did },
        },
      });
      return identity.key;
    } catch (error) {
      if (!isConflict(error)) throw error; // another replica made it first: read theirs
    }
  }
  throw new Error(`could not read or create Secret ${namespace}/${OPERATOR_IDENTITY_SECRET}`);
}
