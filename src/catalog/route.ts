import type { KubeConfig } from '@kubernetes/client-node';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isCountryCode } from '../api/countries.ts';
import type { KeyFile } from '../trust/issue.ts';
import { offeringCredential } from './offering-credential.ts';
import { readCatalog } from './source.ts';

/** GET /catalog[?country=FR&gpu=h100]: every offering with its signed service-offering credential. */
export function catalogRoute(host: KubeConfig, operatorKey: KeyFile): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  return async (req, res) => {
    const query = new URL(req.url ?? '/', 'http://x').searchParams;
    const country = query.get('country') ?? undefined;
    if (country !== undefined && !isCountryCode(country)) {
      res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ error: `country=${country}: use an ISO 3166-1 alpha-2 code in upper case, e.g. FR` }));
      return;
    }
    const offerings = await readCatalog(host, { country, gpu: query.get('gpu') ?? undefined });
    const body = {
      operator: operatorKey.kid.split('#')[0],
      generatedAt: new Date().toISOString(),
      offerings: offerings.map((offering) => ({ ...offering, credential: offeringCredential(offering, operatorKey) })),
    };
    res.writeHead(200, { 'content-type': 'application/json' }).end(`${JSON.stringify(body, null, 2)}\n`);
  };
}
