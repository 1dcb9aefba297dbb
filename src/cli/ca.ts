import { rootCertificates } from 'node:tls';
import { X509Certificate } from 'node:crypto';
import { UsageError } from './errors.ts';
import { readText } from './input.ts';

/**
 * The CAs to trust for `--ca FILE`: Node's own roots plus the file's
 * certificates. Node's `ca` option replaces its roots; a private CA is meant to
 * be trusted besides them, so public did:web hosts keep verifying.
 */
export function caBundle(file: string): string[] {
  const pem = readText(file, '--ca');
  try {
    new X509Certificate(pem);
  } catch {
    throw new UsageError(`--ca ${file} holds no PEM certificate`);
  }
  return [...rootCertificates, pem];
}
