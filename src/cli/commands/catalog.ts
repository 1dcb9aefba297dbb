import { KubeConfig } from '@kubernetes/client-node';
import { isCountryCode } from '../../api/countries.ts';
import { catalogTable } from '../../catalog/catalog.ts';
import { readCatalog } from '../../catalog/source.ts';
import { verifyIssuedJwt } from '../../trust/issued-jwt.ts';
import { httpsFetcher } from '../../trust/fetcher.ts';
import { DidResolver } from '../../trust/resolver.ts';
import { TrustError } from '../../trust/reasons.ts';
import { epochSeconds, parse, readText, required, UsageError } from '../args.ts';

const USAGE = `empirectl catalog [--country CC] [--gpu MODEL] [-o table|json] [--kubeconfig FILE]
       empirectl catalog verify --credential FILE --operator DID [--now RFC3339]`;

export async function catalog(args: string[], out: (line: string) => void): Promise<number> {
  if (args[0] === 'verify') return verifyOffering(args.slice(1), out);
  const values = parse(args, { country: { type: 'string' }, gpu: { type: 'string' }, output: { type: 'string', short: 'o' }, kubeconfig: { type: 'string' } }, USAGE);
  const country = values.country as string | undefined;
  if (country !== undefined && !isCountryCode(country)) throw new UsageError(`--country ${country}: use an ISO 3166-1 alpha-2 code in upper case, e.g. FR`);
  const output = (values.output as string | undefined) ?? 'table';
  if (output !== 'table' && output !== 'json') throw new UsageError(`-o ${output}: use table or json`);
  const host = new KubeConfig();
  if (values.kubeconfig) host.loadFromFile(values.kubeconfig as string);
  else host.loadFromDefault();
  const offerings = await readCatalog(host, { country, gpu: values.gpu as string | undefined });
  out(output === 'json' ? JSON.stringify(offerings, null, 2) : offerings.length ? catalogTable(offerings) : 'No offerings match.');
  return 0;
}

/** Checks a service-offering credential offline: signed by the operator's did:key, within its validity. */
async function verifyOffering(args: string[], out: (line: string) => void): Promise<number> {
  const values = parse(args, { credential: { type: 'string' }, operator: { type: 'string' }, now: { type: 'string' } }, USAGE);
  const operator = required(values, 'operator', USAGE);
  if (!operator.startsWith('did:key:')) throw new UsageError(`--operator ${operator}: the operator signs with a did:key`);
  const jwt = readText(required(values, 'credential', USAGE), '--credential').trim();
  const now = values.now ? epochSeconds(values.now as string, 'now') : Math.floor(Date.now() / 1000);
  const resolver = new DidResolver({ fetcher: httpsFetcher(), limits: { timeoutMs: 5000, maxBytes: 65536 }, ttlMs: 0 });
  try {
    const { decoded } = await verifyIssuedJwt(jwt, resolver, { allowedIssuers: new Set([operator]), relationship: 'assertionMethod', skewSeconds: 60, now }, 'the offering');
    out(JSON.stringify({ verified: true, offering: (decoded.payload.vc as { credentialSubject: unknown }).credentialSubject }, null, 2));
    return 0;
  } catch (error) {
    if (!(error instanceof TrustError)) throw error;
    out(JSON.stringify({ verified: false, reason: error.reason, message: error.message }, null, 2));
    return 3;
  }
}
