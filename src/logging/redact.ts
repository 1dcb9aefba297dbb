// What never reaches a log line: secrets under secret-looking keys at any
// depth (kubeconfig fields included), and secrets inside strings (bearer
// tokens, JWTs such as credentials and proofs, PEM private keys, kubeconfig
// lines). Logs travel further than the operator's memory: to collectors,
// tickets, screenshots.

export const REDACTED = '[redacted]';

// Keys compared lower-case with '-' and '_' removed: `client-key-data`, `clientKeyData`, `client_key_data` alike.
const SECRET_KEYS = new Set([
  'kubeconfig',
  'token',
  'idtoken',
  'refreshtoken',
  'accesstoken',
  'bearer',
  'authorization',
  'proxyauthorization',
  'cookie',
  'setcookie',
  'password',
  'passwd',
  'passphrase',
  'secret',
  'clientsecret',
  'privatekey',
  'clientkey',
  'clientkeydata',
  'keydata',
  'd',
  'seed',
  'mnemonic',
  'apikey',
  'credential',
  'proof',
  'jwt',
  'transient',
]);
// Any key containing one of these is secret too: `serviceAccountToken`, `x-auth-token`, `dbPassword`.
const SECRET_PARTS = ['token', 'password', 'passwd', 'privatekey', 'secretkey', 'clientsecret', 'apikey', 'keydata'];

export function isSecretKey(key: string): boolean {
  const k = key.toLowerCase().replace(/[-_]/g, '');
  return SECRET_KEYS.has(k) || SECRET_PARTS.some((part) => k.includes(part));
}

const IN_STRING: [RegExp, string][] = [
  [/-----BEGIN ([A-Z0-9 ]*)PRIVATE KEY-----[\s\S]*?(-----END \1PRIVATE KEY-----|$)/g, '[redacted private key]'],
  // Compact JWS/JWT: base64url of a JSON object starts with eyJ.
  [/eyJ[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]*/g, '[redacted jwt]'],
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/gi, `$1 ${REDACTED}`],
  // Kubeconfig or header lines quoted in a message: `token: abc`, `client-key-data: LS0t…`, `"password":"x"`.
  [
    /(["']?)\b(token|id-token|refresh-token|access-token|client-secret|client-key-data|password|authorization)\1(\s*[:=]\s*)(["']?)[^\s"',}]+\4/gi,
    `$1$2$1$3$4${REDACTED}$4`,
  ],
];

export function redactString(text: string): string {
  let out = text;
  for (const [pattern, replacement] of IN_STRING) out = out.replace(pattern, replacement);
  return out;
}

const MAX_DEPTH = 64;

/** A copy of `value` with secrets replaced; handles any depth, arrays, cycles and errors. */
export function redact(value: unknown): unknown {
  const seen = new WeakSet<object>();
  const walk = (v: unknown, depth: number): unknown => {
    if (typeof v === 'string') return redactString(v);
    if (v === null || typeof v !== 'object') return v;
    if (seen.has(v)) return '[circular]';
    if (depth >= MAX_DEPTH) return '[too deep]';
    seen.add(v);
    try {
      if (v instanceof Error) {
        const fields = Object.fromEntries(Object.entries(v).map(([k, x]) => [k, isSecretKey(k) ? REDACTED : walk(x, depth + 1)]));
        return { ...fields, name: v.name, message: redactString(v.message), stack: v.stack === undefined ? undefined : redactString(v.stack) };
      }
      if (Array.isArray(v)) return v.map((x) => walk(x, depth + 1));
      if (Buffer.isBuffer(v)) return `[${v.length} bytes]`;
      return Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, isSecretKey(k) ? REDACTED : walk(x, depth + 1)]));
    } finally {
      // Siblings may share an object; only ancestors make a cycle.
      seen.delete(v);
    }
  };
  return walk(value, 0);
}
