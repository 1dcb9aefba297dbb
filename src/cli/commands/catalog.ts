import { isCountryCode } from '../../api/countries.ts';
import { catalogTable } from '../../catalog/catalog.ts';
import { verifyIssuedJwt } from '../../trust/issued-jwt.ts';
import { httpsFetcher } from '../../trust/fetcher.ts';
import { DidResolver } from '../../trust/resolver.ts';
import { printable } from '../../util/printable.ts';
import { TrustError } from '../../trust/reasons.ts';
import type { CliCommand, CliOutput } from '../command.ts';
import { UsageError } from '../errors.ts';
import { readText } from '../input.ts';
import { hostKubeConfig } from '../kubeconfig.ts';
import { notAnOffering } from '../offering-type.ts';
import { epochSeconds } from '../values.ts';

interface ListOptions {
  country?: string;
  gpu?: string;
  output: string;
  kubeconfig?: string;
}

export function registerCatalog(program: CliCommand, io: CliOutput): void {
  const catalog = program
    .command('catalog')
    .description("list the federation's GPU offerings from verified facts (table or json)")
    .option('--country <CC>', 'only offerings attested in this country (ISO 3166-1 alpha-2)')
    .option('--gpu <model>', 'only this GPU model, e.g. h100')
    .option('-o, --output <format>', 'table or json', 'table')
    .option('--kubeconfig <file>', 'the host cluster (default: $KUBECONFIG, ~/.kube/config or the pod)')
    .handle<ListOptions>((options) => list(options, io));
  catalog
    .command('verify')
    .description("check an offering's signed gx:ServiceOffering credential offline (exit 0 verified, 3 not)")
    .required('--credential <file>', "the offering's VC-JWT")
    .required('--operator <did>', "the operator's did:key")
    .option('--now <RFC3339>', 'verify as of this time')
    .handle<{ credential: string; operator: string; now?: string }>((options) => verifyOffering(options, io));
}

async function list(options: ListOptions, io: CliOutput): Promise<void> {
  const { country, gpu, output } = options;
  if (country !== undefined && !isCountryCode(country)) throw new UsageError(`--country ${country}: use an ISO 3166-1 alpha-2 code in upper case, e.g. FR`);
  if (output !== 'table' && output !== 'json') throw new UsageError(`-o ${output}: use table or json`);
  const host = await hostKubeConfig(options.kubeconfig);
  const { readCatalog } = await import('../../catalog/source.ts'); // the Kubernetes client, loaded on use (see hostKubeConfig)
  let offerings;
  try {
    offerings = await readCatalog(host, { country, gpu });
  } catch (error) {
    throw new Error(`cannot read the catalog from ${host.getCurrentCluster()?.server}`, { cause: error });
  }
  // The table shows names and providers as the cluster's objects spell them; JSON escapes control characters itself.
  io.out(output === 'json' ? JSON.stringify(offerings, null, 2) : offerings.length ? printable(catalogTable(offerings)) : 'No offerings match.');
}

/** Checks a service-offering credential offline: signed by the operator's did:key, within its validity, and an offering. */
async function verifyOffering(options: { credential: string; operator: string; now?: string }, io: CliOutput): Promise<number> {
  const { operator } = options;
  if (!operator.startsWith('did:key:')) throw new UsageError(`--operator ${operator}: the operator signs with a did:key`);
  const jwt = readText(options.credential, '--credential').trim();
  const now = options.now ? epochSeconds(options.now, 'now') : Math.floor(Date.now() / 1000);
  const resolver = new DidResolver({ fetcher: httpsFetcher(), limits: { timeoutMs: 5000, maxBytes: 65536 }, ttlMs: 0 });
  try {
    const policy = { allowedIssuers: new Set([operator]), relationship: 'assertionMethod' as const, skewSeconds: 60, now };
    const { decoded } = await verifyIssuedJwt(jwt, resolver, policy, 'the offering');
    const problem = notAnOffering(decoded);
    if (problem) throw new TrustError('TYPE_MISMATCH', `the token is signed by the operator but is not a service offering: ${problem}`);
    io.out(JSON.stringify({ verified: true, offering: (decoded.payload.vc as { credentialSubject: unknown }).credentialSubject }, null, 2));
    return 0;
  } catch (error) {
    if (!(error instanceof TrustError)) throw error;
    io.out(JSON.stringify({ verified: false, reason: error.reason, message: error.message }, null, 2));
    return 3;
  }
}
