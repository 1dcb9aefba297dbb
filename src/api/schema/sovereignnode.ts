import { compactJwt, conditions, countryCode, did, jurisdiction, objectName, observedGeneration } from './common.ts';
import { object, string, type Schema } from './dsl.ts';
import { AGE_COLUMN, conditionColumn, reasonColumn, type KindDefinition } from './kind.ts';

const spec: Schema = object(
  {
    memberCluster: objectName('The MemberCluster this node belongs to.'),
    nodeName: objectName('The Node name inside the member cluster.'),
    did: did("The node's decentralized identifier."),
    credential: compactJwt('A VC-JWT (W3C VC 1.1) of type SovereignNodeCredential issued by a trust anchor, whose subject is `did`.'),
    'proof?': compactJwt('Proof of possession: a JWT signed by the key of `did` with `nonce` = status.challenge.nonce and the operator audience.'),
  },
  { description: "A node's claim to join the federation: its DID and the credential vouching for it." },
);

const status: Schema = object({
  'observedGeneration?': observedGeneration(),
  'conditions?': conditions(),
  'issuer?': string({ maxLength: 2048, description: 'DID of the issuer that vouched for the node.' }),
  'countryCode?': countryCode('Country attested by the credential.'),
  'jurisdiction?': jurisdiction('Jurisdiction the attested country belongs to, e.g. EU.'),
  'provider?': string({ maxLength: 63, description: 'Provider attested by the credential.' }),
  'expiresAt?': string({ format: 'date-time', description: 'When the credential expires.' }),
  'verifiedAt?': string({ format: 'date-time' }),
  'challenge?': object(
    {
      nonce: string({ minLength: 16, maxLength: 128 }),
      audience: string({ maxLength: 2048 }),
      issuedAt: string({ format: 'date-time' }),
    },
    { description: 'The fresh challenge the node must sign to prove possession of its DID key.' },
  ),
  'ledgerTxId?': string({ maxLength: 256, description: 'Ledger transaction recording the attestation.' }),
});

export const SovereignNodeKind: KindDefinition = {
  kind: 'SovereignNode',
  plural: 'sovereignnodes',
  singular: 'sovereignnode',
  shortNames: ['sn'],
  scope: 'Cluster',
  description: "A member-cluster node's DID and verifiable credential; nothing is scheduled on a node until it is verified.",
  spec,
  status,
  printerColumns: [
    { name: 'Cluster', type: 'string', jsonPath: '.spec.memberCluster' },
    { name: 'Node', type: 'string', jsonPath: '.spec.nodeName' },
    conditionColumn('Verified', 'Verified'),
    reasonColumn('Verified'),
    { name: 'Country', type: 'string', jsonPath: '.status.countryCode' },
    // A string, not a date: kubectl prints dates as ages and future ones as <invalid>.
    { name: 'Expires', type: 'string', jsonPath: '.status.expiresAt' },
    { name: 'DID', type: 'string', jsonPath: '.spec.did', priority: 1 },
    AGE_COLUMN,
  ],
};
