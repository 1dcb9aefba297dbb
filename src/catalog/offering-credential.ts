import { signJwt } from '../trust/jwt.ts';
import type { KeyFile } from '../trust/issue.ts';
import type { Offering } from './catalog.ts';

export const GAIA_X_CONTEXT = 'https://w3id.org/gaia-x/development#';

/**
 * An offering as a Gaia-X-style service-offering credential (VC-JWT, gx:
 * terms) signed by the operator's DID: a customer checks it offline with
 * `empirectl catalog verify`. Capacity changes, so it is valid for an hour.
 */
export function offeringCredential(offering: Offering, operatorKey: KeyFile, now = Math.floor(Date.now() / 1000)): string {
  const operatorDid = operatorKey.kid.split('#')[0];
  return signJwt(
    {
      iss: operatorDid,
      sub: offering.id,
      nbf: now,
      iat: now,
      exp: now + 3600,
      vc: {
        '@context': ['https://www.w3.org/2018/credentials/v1', GAIA_X_CONTEXT, 'https://cloudempire.eu/credentials/v1'],
        type: ['VerifiableCredential', 'gx:ServiceOffering'],
        credentialSubject: {
          id: offering.id,
          type: 'gx:ServiceOffering',
          'gx:name': `${offering.model} GPUs in ${offering.memberCluster}`,
          'gx:description': `${offering.freeGpus} of ${offering.totalGpus} ${offering.resourceName} free on ${offering.verifiedNodes} verified node(s)`,
          'gx:providedBy': offering.provider,
          'gx:keyword': ['gpu', offering.model, ...offering.countries],
          'gx:dataProtectionRegime': ['GDPR2016'],
          'cloudempire:countries': offering.countries,
          'cloudempire:gpu': {
            model: offering.model,
            resourceName: offering.resourceName,
            memoryMiB: offering.memoryMiB,
            free: offering.freeGpus,
            total: offering.totalGpus,
          },
          ...(offering.pricePerGpuHour ? { 'cloudempire:pricePerGpuHour': offering.pricePerGpuHour } : {}),
        },
      },
    },
    operatorKey,
    { kid: operatorKey.kid },
  );
}
