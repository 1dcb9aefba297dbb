import type { KubeConfig } from '@kubernetes/client-node';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'winston';
import { logger } from '../logging/logger.ts';
import { isCountryCode } from '../api/countries.ts';
import type { KeyFile } from '../trust/issue.ts';
import { offeringCredential } from './offering-credential.ts';
import { readCatalog } from './source.ts';

/** GET /catalog[?country=FR&gpu=h100]: every offering with its signed service-offering credential. */
export function catalogRoute(host: KubeConfig, operatorKey: KeyFile, log: Logger = logger): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  return async (req, res) => {
    const query = new URL(req.url ?? '/', 'http://x').searchParams;
    const country = query.get('country') ?? undefined;
    if (country !== undefined && !isCountryCode(country)) {
      res
        .writeHead(400, { 'content-type': 'application/json' })
        .end(JSON.stringify({ error: `country=${country}: use an ISO 3166-1 alpha-2 code in upper case, e.g. FR` }));
      return;
    }
    let offerings;
    try {
      offerings = await readCatalog(host, { country, gpu: query.get('gpu') ?? undefined });
    } catch (error) {
      // The caller is not authenticated: API-server errors (URLs, RBAC names, bodies) go to the log only.
      log.error('catalog: reading the federation failed', { component: 'catalog', error });
      res
        .writeHead(503, { 'content-type': 'application/json', 'retry-after': '5' })
        .end(JSON.stringify({ error: 'the catalog is unavailable right now; try again later' }));
      return;
    }
    const body = {
      operator: operatorKey.kid.split('#')[0],
      generatedAt: new Date().toISOString(),
      offerings: offerings.map((offering) => ({ ...offering, credential: offeringCredential(offering, operatorKey) })),
    };
    res.writeHead(200, { 'content-type': 'application/json' }).end(`${JSON.stringify(body, null, 2)}\n`);
  };
}
