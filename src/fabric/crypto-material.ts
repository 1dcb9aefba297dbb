import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { ROLE_ATTRIBUTE, TRUST_AUTHORITY_MSP } from '@cloud-empire/chaincode/access';
import { fabricBinaries } from '../controlplane/binaries.ts';

/** Fabric CA's certificate extension for attributes: ClientIdentity.getAttributeValue reads it. */
const ATTRIBUTE_EXTENSION_OID = '1.2.3.4.5.6.7.8.1';

export interface OrgSpec {
  name: string;
  mspId: string;
  domain: string;
  peers: number;
}

export const ORDERER_DOMAIN = 'orderer.cloudempire.test';
export const ORGS = {
  tenant: { name: 'Tenant', mspId: 'TenantMSP', domain: 'tenant.cloudempire.test', peers: 1 },
  provider: { name: 'Provider', mspId: 'ProviderMSP', domain: 'provider.cloudempire.test', peers: 1 },
  trust: { name: 'TrustAuthority', mspId: TRUST_AUTHORITY_MSP, domain: 'trust.cloudempire.test', peers: 0 },
} satisfies Record<string, OrgSpec>;

/** An identity a client signs with: what the gateway needs, all PEM. */
export interface FabricIdentity {
  mspId: string;
  certPem: string;
  keyPem: string;
}

export function orgDir(root: string, org: OrgSpec): string {
  return join(root, 'peerOrganizations', org.domain);
}

export function peerDir(root: string, org: OrgSpec): string {
  return join(orgDir(root, org), 'peers', `peer0.${org.domain}`);
}

export function adminMspDir(root: string, org: OrgSpec): string {
  return join(orgDir(root, org), 'users', `Admin@${org.domain}`, 'msp');
}

export function ordererDir(root: string): string {
  return join(root, 'ordererOrganizations', ORDERER_DOMAIN, 'orderers', `orderer.${ORDERER_DOMAIN}`);
}

function readKey(mspDir: string): string {
  const keystore = join(mspDir, 'keystore');
  return readFileSync(join(keystore, readdirSync(keystore)[0]), 'utf8');
}

/** A user of `org` made by cryptogen, as a gateway identity. */
export function cryptogenUser(root: string, org: OrgSpec, user: string): FabricIdentity {
  const msp = join(orgDir(root, org), 'users', `${user}@${org.domain}`, 'msp');
  return { mspId: org.mspId, certPem: readFileSync(join(msp, 'signcerts', `${user}@${org.domain}-cert.pem`), 'utf8'), keyPem: readKey(msp) };
}

/** Runs cryptogen for the orderer and the three organizations; every TLS certificate also names 127.0.0.1 and localhost. */
export function generateCryptoMaterial(root: string): void {
  mkdirSync(root, { recursive: true });
  const sans = ['localhost', '127.0.0.1'];
  const config = {
    OrdererOrgs: [{ Name: 'Orderer', Domain: ORDERER_DOMAIN, EnableNodeOUs: true, Specs: [{ Hostname: 'orderer', SANS: sans }] }],
    PeerOrgs: Object.values(ORGS).map((org) => ({
      Name: org.name,
      Domain: org.domain,
      EnableNodeOUs: true,
      Template: { Count: org.peers, SANS: sans },
      Users: { Count: 1 },
    })),
  };
  const configPath = join(root, 'crypto-config.yaml');
  writeFileSync(configPath, stringify(config));
  execFileSync(fabricBinaries.cryptogen(), ['generate', `--config=${configPath}`, `--output=${root}`], { stdio: ['ignore', 'ignore', 'pipe'] });
}

/**
 * A trust-authority client identity carrying `cloudempire.role`, signed by the
 * organization's CA the way Fabric CA would issue it (cryptogen cannot add
 * attributes). OU=client makes the MSP classify it as a client.
 */
export function issueRoleIdentity(root: string, role: 'operator' | 'admin'): FabricIdentity {
  const org = ORGS.trust;
  const caDir = join(orgDir(root, org), 'ca');
  const caCert = join(caDir, `ca.${org.domain}-cert.pem`);
  const caKey = join(
    caDir,
    readdirSync(caDir).find((f) => f.endsWith('_sk'))!,
  );
  const dir = join(orgDir(root, org), 'users', `${role}@${org.domain}`);
  mkdirSync(dir, { recursive: true });
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  const attributes = Buffer.from(JSON.stringify({ attrs: { [ROLE_ATTRIBUTE]: role } })).toString('hex');
  writeFileSync(
    join(dir, 'ext.cnf'),
    [
      'basicConstraints=critical,CA:FALSE',
      'keyUsage=critical,digitalSignature',
      'subjectKeyIdentifier=hash',
      'authorityKeyIdentifier=keyid',
      `${ATTRIBUTE_EXTENSION_OID}=DER:${attributes}`,
      '',
    ].join('\n'),
  );
  openssl(
    'req',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-keyout',
    'key.pem',
    '-out',
    'req.csr',
    '-subj',
    `/C=EU/O=${org.domain}/OU=client/CN=${role}@${org.domain}`,
  );
  openssl(
    'x509',
    '-req',
    '-in',
    'req.csr',
    '-CA',
    caCert,
    '-CAkey',
    caKey,
    '-CAcreateserial',
    '-out',
    'cert.pem',
    '-days',
    '365',
    '-sha256',
    '-extfile',
    'ext.cnf',
  );
  // openssl writes a SEC1 key; Node and Fabric read PKCS#8 alike, so keep it as openssl made it.
  return { mspId: org.mspId, certPem: readFileSync(join(dir, 'cert.pem'), 'utf8'), keyPem: readFileSync(join(dir, 'key.pem'), 'utf8') };
}
