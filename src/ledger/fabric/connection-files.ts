import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FabricConnection } from './fabric-gateway.ts';

/**
 * A Fabric connection as files, the shape a mounted Secret has:
 * `connection.json` (peerEndpoint, peerHostName?, mspId, channel, chaincode),
 * `tls-ca.pem` (the peer's TLS CA), `cert.pem` and `key.pem` (the identity).
 */
export const CONNECTION_FILES = { connection: 'connection.json', tlsCa: 'tls-ca.pem', cert: 'cert.pem', key: 'key.pem' } as const;

export class FabricConnectionError extends Error {}

/** Reads one file as text; empirectl passes its size-capped reader. */
export type ReadFile = (path: string) => string;

export function readFabricConnection(dir: string, readFile: ReadFile = (path) => readFileSync(path, 'utf8')): FabricConnection {
  const read = (dir: string, file: string): string => {
    const path = join(dir, file);
    if (!existsSync(path))
      throw new FabricConnectionError(`${path} is missing: a Fabric connection directory holds ${Object.values(CONNECTION_FILES).join(', ')}`);
    return readFile(path);
  };
  const connectionJson = read(dir, CONNECTION_FILES.connection);
  let fields: Record<string, unknown>;
  try {
    fields = JSON.parse(connectionJson) as Record<string, unknown>;
  } catch (error) {
    throw new FabricConnectionError(`${join(dir, CONNECTION_FILES.connection)} is not valid JSON: ${(error as Error).message}`);
  }
  const text = (name: string, optional = false): string | undefined => {
    const value = fields[name];
    if (value === undefined && optional) return undefined;
    if (typeof value !== 'string' || !value) throw new FabricConnectionError(`${join(dir, CONNECTION_FILES.connection)}: ${name} must be a non-empty string`);
    return value;
  };
  const peerEndpoint = text('peerEndpoint')!;
  if (!/^[^\s:]+:\d+$/.test(peerEndpoint))
    throw new FabricConnectionError(`${join(dir, CONNECTION_FILES.connection)}: peerEndpoint ${JSON.stringify(peerEndpoint)} must be host:port`);
  const pem = (file: string, kind: RegExp) => {
    const content = read(dir, file);
    if (!kind.test(content))
      throw new FabricConnectionError(`${join(dir, file)} does not hold a PEM ${kind.source.includes('KEY') ? 'private key' : 'certificate'}`);
    return content;
  };
  return {
    peerEndpoint,
    peerHostName: text('peerHostName', true),
    mspId: text('mspId')!,
    channel: text('channel')!,
    chaincode: text('chaincode')!,
    tlsCaPem: pem(CONNECTION_FILES.tlsCa, /-----BEGIN CERTIFICATE-----/),
    certPem: pem(CONNECTION_FILES.cert, /-----BEGIN CERTIFICATE-----/),
    keyPem: pem(CONNECTION_FILES.key, /-----BEGIN (EC |)PRIVATE KEY-----/),
  };
}

export function writeFabricConnection(dir: string, connection: FabricConnection): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const { peerEndpoint, peerHostName, mspId, channel, chaincode } = connection;
  writeFileSync(join(dir, CONNECTION_FILES.connection), JSON.stringify({ peerEndpoint, peerHostName, mspId, channel, chaincode }, null, 2));
  writeFileSync(join(dir, CONNECTION_FILES.tlsCa), connection.tlsCaPem);
  writeFileSync(join(dir, CONNECTION_FILES.cert), connection.certPem);
  writeFileSync(join(dir, CONNECTION_FILES.key), connection.keyPem, { mode: 0o600 });
}
