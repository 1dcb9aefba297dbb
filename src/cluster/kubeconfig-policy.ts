import { parse } from 'yaml';

// A member's kubeconfig comes from a Secret that someone other than the host
// admin may be able to write. client-node would run its `exec` command and
// read its file paths (the operator's own service-account token, the ledger's
// keys) and send them to the member's server. Only inline data is accepted,
// and anything this policy does not know is refused, naming the field.

export class KubeconfigRefusedError extends Error {
  /** The refused field, e.g. `users[0].user.exec`. */
  readonly field: string;
  constructor(field: string, message: string) {
    super(message);
    this.name = 'KubeconfigRefusedError';
    this.field = field;
  }
}

/** Kubeconfig Secrets above this size are refused before parsing. */
export const MAX_KUBECONFIG_BYTES = 256 * 1024;

const INLINE = 'put the data inline (certificate-authority-data, token, client-certificate-data, client-key-data)';

const TOP_LEVEL = new Set(['apiVersion', 'kind', 'clusters', 'users', 'contexts', 'current-context', 'preferences']);
const CLUSTER_FIELDS = new Set(['server', 'certificate-authority-data', 'insecure-skip-tls-verify']);
const USER_FIELDS = new Set(['token', 'client-certificate-data', 'client-key-data']);
const CONTEXT_FIELDS = new Set(['cluster', 'user', 'namespace']);

/** Why a known-dangerous field is refused, and what to write instead. */
const DANGEROUS: Record<string, string> = {
  exec: 'runs a command inside the operator; use a token or client-certificate-data/client-key-data instead',
  'auth-provider': 'runs a credential plugin inside the operator; use a token instead',
  tokenFile: `reads a file of the operator's; ${INLINE}`,
  'token-file': `reads a file of the operator's; ${INLINE}`,
  'client-certificate': `reads a file of the operator's; ${INLINE}`,
  'client-key': `reads a file of the operator's; ${INLINE}`,
  'certificate-authority': `reads a file of the operator's; ${INLINE}`,
  username: 'basic authentication is not supported; use a token',
  password: 'basic authentication is not supported; use a token',
  'proxy-url': 'a proxy would carry the member credentials elsewhere; reach the API server directly',
  as: 'impersonation is not supported; give the member user the rights it needs',
  'as-groups': 'impersonation is not supported; give the member user the rights it needs',
  'as-uid': 'impersonation is not supported; give the member user the rights it needs',
  'as-user-extra': 'impersonation is not supported; give the member user the rights it needs',
};

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function refuse(field: string, why: string): never {
  throw new KubeconfigRefusedError(field, `${field}: ${why}`);
}

function checkFields(value: unknown, field: string, allowed: ReadonlySet<string>): Record<string, unknown> {
  if (!isObject(value)) refuse(field, 'must be a mapping');
  for (const key of Object.keys(value)) {
    const at = `${field}.${key}`;
    if (DANGEROUS[key]) refuse(at, `refused: it ${DANGEROUS[key]}`);
    if (!allowed.has(key)) refuse(at, `refused: not a field the operator accepts (allowed: ${[...allowed].join(', ')})`);
  }
  return value;
}

function checkNamedList(
  document: Record<string, unknown>,
  list: string,
  item: string,
  allowed: ReadonlySet<string>,
  check?: (entry: Record<string, unknown>, at: string) => void,
): void {
  const entries = document[list];
  if (entries === undefined || entries === null) return;
  if (!Array.isArray(entries)) refuse(list, 'must be a list');
  entries.forEach((entry, i) => {
    const at = `${list}[${i}]`;
    if (!isObject(entry)) refuse(at, 'must be a mapping with name and ' + item);
    for (const key of Object.keys(entry)) {
      if (key !== 'name' && key !== item) refuse(`${at}.${key}`, `refused: not a field the operator accepts (allowed: name, ${item})`);
    }
    if (typeof entry.name !== 'string' || !entry.name) refuse(`${at}.name`, 'must be a non-empty string');
    const body = checkFields(entry[item], `${at}.${item}`, allowed);
    check?.(body, `${at}.${item}`);
  });
}

function checkString(value: unknown, at: string): void {
  if (value !== undefined && typeof value !== 'string') refuse(at, 'must be a string');
}

/**
 * Checks a kubeconfig document before anything is loaded, connected or
 * executed; throws KubeconfigRefusedError naming the first refused field.
 * Returns the text, which client-node may then load.
 */
export function checkMemberKubeconfig(text: string): string {
  if (Buffer.byteLength(text, 'utf8') > MAX_KUBECONFIG_BYTES) refuse('(document)', `larger than ${MAX_KUBECONFIG_BYTES} bytes`);
  let document: unknown;
  try {
    // No custom tags, few aliases: a kubeconfig needs neither, and alias bombs cost memory.
    document = parse(text, { maxAliasCount: 16, customTags: [], uniqueKeys: true });
  } catch (error) {
    refuse('(document)', `not valid YAML (${(error as Error).name})`);
  }
  if (!isObject(document)) refuse('(document)', 'must be a kubeconfig mapping (apiVersion, clusters, users, contexts)');
  for (const key of Object.keys(document)) {
    if (DANGEROUS[key]) refuse(key, `refused: it ${DANGEROUS[key]}`);
    if (!TOP_LEVEL.has(key)) refuse(key, `refused: not a field the operator accepts (allowed: ${[...TOP_LEVEL].join(', ')})`);
  }
  if (document.preferences !== undefined && !(isObject(document.preferences) && Object.keys(document.preferences).length === 0)) {
    refuse('preferences', 'refused: must be empty');
  }
  checkString(document['current-context'], 'current-context');
  checkNamedList(document, 'clusters', 'cluster', CLUSTER_FIELDS, (cluster, at) => {
    if (typeof cluster.server !== 'string' || !/^https:\/\/[^\s/]+/.test(cluster.server)) refuse(`${at}.server`, 'must be an https:// URL');
    checkString(cluster['certificate-authority-data'], `${at}.certificate-authority-data`);
    if (cluster['insecure-skip-tls-verify'] !== undefined && cluster['insecure-skip-tls-verify'] !== false) {
      refuse(`${at}.insecure-skip-tls-verify`, 'refused: the API server must be verified; give its CA in certificate-authority-data');
    }
  });
  checkNamedList(document, 'users', 'user', USER_FIELDS, (user, at) => {
    for (const key of USER_FIELDS) checkString(user[key], `${at}.${key}`);
    if ((user['client-certificate-data'] === undefined) !== (user['client-key-data'] === undefined)) {
      refuse(`${at}.client-certificate-data`, 'client-certificate-data and client-key-data go together');
    }
  });
  checkNamedList(document, 'contexts', 'context', CONTEXT_FIELDS, (context, at) => {
    for (const key of CONTEXT_FIELDS) checkString(context[key], `${at}.${key}`);
  });
  return text;
}
