import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { newIdentity } from '../../trust/issue.ts';
import { isSigningAlg } from '../../trust/keys.ts';
import { parse, required, UsageError } from '../args.ts';

const USAGE = 'empirectl did new --method key|web [--alg EdDSA|ES256|ES256K] [--domain host[:port] [--path a/b]] --out DIR';

export function didNew(args: string[], out: (line: string) => void): void {
  const values = parse(args, { method: { type: 'string' }, alg: { type: 'string' }, domain: { type: 'string' }, path: { type: 'string' }, out: { type: 'string' } }, USAGE);
  const method = required(values, 'method', USAGE);
  if (method !== 'key' && method !== 'web') throw new UsageError(`--method ${method}: use key or web\nusage: ${USAGE}`);
  const alg = (values.alg as string | undefined) ?? 'EdDSA';
  if (!isSigningAlg(alg)) throw new UsageError(`--alg ${alg}: use EdDSA, ES256 or ES256K`);
  if (method === 'web' && !values.domain) throw new UsageError(`--domain is required for did:web\nusage: ${USAGE}`);
  const dir = required(values, 'out', USAGE);
  const identity = newIdentity({ method, alg, domain: values.domain as string | undefined, path: values.path as string | undefined });
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'key.jwk'), `${JSON.stringify(identity.key, null, 2)}\n`, { mode: 0o600 });
  writeFileSync(join(dir, 'did.txt'), `${identity.did}\n`);
  if (identity.document) writeFileSync(join(dir, 'did.json'), `${JSON.stringify(identity.document, null, 2)}\n`);
  out(identity.did);
}
