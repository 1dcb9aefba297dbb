import { closeSync, mkdirSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { newIdentity } from '../../trust/issue.ts';
import { isSigningAlg } from '../../trust/keys.ts';
import type { CliCommand, CliOutput } from '../command.ts';
import { UsageError } from '../errors.ts';

interface DidNewOptions {
  method: string;
  alg: string;
  domain?: string;
  path?: string;
  out: string;
  force?: boolean;
}

export function registerDid(program: CliCommand, io: CliOutput): void {
  const did = program.command('did').description('DID identities for issuers and nodes');
  did
    .command('new')
    .description('create a did:key or did:web identity: key.jwk (private, mode 0600), did.txt and, for did:web, did.json to host')
    .required('--method <method>', 'key or web')
    .option('--alg <alg>', 'EdDSA, ES256 or ES256K', 'EdDSA')
    .option('--domain <host[:port]>', 'the did:web host (required for did:web)')
    .option('--path <a/b>', 'the did:web path under the host')
    .required('--out <dir>', 'the directory to write the identity to')
    .option('--force', 'replace an existing key.jwk (its DID is lost for good)')
    .handle<DidNewOptions>((options) => didNew(options, io));
}

function didNew(options: DidNewOptions, io: CliOutput): void {
  const { method, alg } = options;
  if (method !== 'key' && method !== 'web') throw new UsageError(`--method ${method}: use key or web`);
  if (!isSigningAlg(alg)) throw new UsageError(`--alg ${alg}: use EdDSA, ES256 or ES256K`);
  if (method === 'web' && !options.domain) throw new UsageError('--domain is required for did:web');
  const identity = newIdentity({ method, alg, domain: options.domain, path: options.path });
  mkdirSync(options.out, { recursive: true });
  writePrivateFile(join(options.out, 'key.jwk'), `${JSON.stringify(identity.key, null, 2)}\n`, options.force ?? false);
  writeFileSync(join(options.out, 'did.txt'), `${identity.did}\n`);
  if (identity.document) writeFileSync(join(options.out, 'did.json'), `${JSON.stringify(identity.document, null, 2)}\n`);
  io.out(identity.did);
}

/**
 * Writes a secret to a new file only its owner can read (created 0600; a
 * umask can only narrow that). Without `force` an existing file is left alone
 * (O_EXCL: no race between the check and the write); with it the old file is
 * removed first, so neither its mode nor a symbolic link in its place carries
 * over.
 */
export function writePrivateFile(path: string, content: string, force: boolean): void {
  if (force) rmSync(path, { force: true });
  let fd: number;
  try {
    fd = openSync(path, 'wx', 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new UsageError(`${path} exists: it holds a private key that cannot be recovered once replaced; choose another --out or pass --force`);
    }
    throw error;
  }
  try {
    writeSync(fd, content);
  } finally {
    closeSync(fd);
  }
}
