import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { newIdentity, type KeyFile } from '../trust/issue.ts';
import { describeError, httpStatus, isConflict, isNotFound, isTransient } from '../runtime/api-errors.ts';

export const OPERATOR_IDENTITY_SECRET = 'cloud-empire-operator-identity';

export interface OperatorKeyOptions {
  /** How long to keep trying while the API server is busy or the Secret is being made by another replica. */
  deadlineMs?: number;
  /** Told of each retry, so a slow start is not silent. */
  onRetry?: (reason: string, waitMs: number) => void;
}

const FIRST_WAIT_MS = 200;
const LONGEST_WAIT_MS = 5_000;

/**
 * The operator's own DID key, kept in a Secret of its namespace and made on
 * first start (a did:key, so whoever holds a signed offering can check it
 * offline). Replicas racing to make it settle on the first one written.
 *
 * An API server that answers but is busy (5xx, 429) or refuses the create with
 * 409 while the winner is not readable yet is retried with backoff up to the
 * deadline. One that does not answer at all ends the start at once, in one
 * line, as controller-runtime's manager does: a wrong kubeconfig is told
 * straight away, and the pod's restart backs off. A refusal that will not
 * change (403, a Secret without a key) ends at once with its cause and fix.
 */
export async function loadOrCreateOperatorKey(host: KubeConfig, namespace: string, options: OperatorKeyOptions = {}): Promise<KeyFile> {
  const core = host.makeApiClient(CoreV1Api);
  const where = `Secret ${namespace}/${OPERATOR_IDENTITY_SECRET}`;
  const deadline = Date.now() + (options.deadlineMs ?? 60_000);
  let wait = FIRST_WAIT_MS;
  let last = '';
  for (;;) {
    try {
      return await readOrCreate(core, namespace, where);
    } catch (error) {
      if (error instanceof Retry) last = error.message;
      else if (httpStatus(error) !== undefined && isTransient(error)) last = describeError(error);
      // No answer at all (the caller reports it as it is), or a Secret without a usable key: retrying changes nothing.
      else if (httpStatus(error) === undefined || error instanceof BrokenSecret) throw error;
      else throw new Error(`could not read or create ${where}: ${describeError(error)}`);
    }
    if (Date.now() + wait > deadline) throw new Error(`could not read or create ${where} before the deadline: ${last}`);
    options.onRetry?.(last, wait);
    await new Promise((resolve) => setTimeout(resolve, wait));
    wait = Math.min(wait * 2, LONGEST_WAIT_MS);
  }
}

/** A step that lost a race the next attempt settles. */
class Retry extends Error {}
/** The Secret is there but holds no usable key: retrying reads the same. */
class BrokenSecret extends Error {}

async function readOrCreate(core: CoreV1Api, namespace: string, where: string): Promise<KeyFile> {
  const secret = await core.readNamespacedSecret({ name: OPERATOR_IDENTITY_SECRET, namespace }).catch((error: unknown) => {
    if (isNotFound(error)) return undefined;
    throw error;
  });
  if (secret) {
    const data = secret.data?.['key.jwk'];
    if (!data) throw new BrokenSecret(`${where} has no key.jwk: restore it, or delete the Secret to have a new identity made`);
    return parseKey(data, where);
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
    // Another replica made it first (or the create was refused in a way a re-read settles): read theirs.
    if (isConflict(error)) throw new Retry(`creating it was refused with a conflict (${describeError(error)}); reading it again`);
    throw error;
  }
}

function parseKey(data: string, where: string): KeyFile {
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(data, 'base64').toString('utf8'));
  } catch (error) {
    throw new BrokenSecret(`${where} key.jwk is not JSON (${(error as Error).message}): restore it, or delete the Secret to have a new identity made`);
  }
  const jwk = key as Partial<KeyFile>;
  if (typeof jwk !== 'object' || jwk === null || typeof jwk.kid !== 'string' || typeof jwk.d !== 'string')
    throw new BrokenSecret(`${where} key.jwk is not a private JWK with kid and d: restore it, or delete the Secret to have a new identity made`);
  return jwk as KeyFile;
}
