import { Ajv } from 'ajv';
import { parse } from 'yaml';
import { EU_MEMBER_STATES, isCountryCode } from '../api/countries.ts';

/**
 * Operator trust configuration (Helm values → ConfigMap, or `--trust-anchors`
 * for the CLI): who may vouch for nodes and which countries count.
 */
export interface TrustConfig {
  issuers: { did: string; name: string }[];
  /** Name of the jurisdiction the countries form; written to node labels. */
  jurisdiction: string;
  countries: string[];
  requireProofOfPossession: boolean;
  clockSkewSeconds: number;
  /** The `aud` a proof of possession must name: the operator's identity. */
  audience: string;
  /** A status list is fetched again at the latest after this long (or at its own expiry). */
  statusListMaxAgeSeconds: number;
  /** A challenge must be answered within this long; then a new one is issued. */
  challengeTtlSeconds: number;
  /** Resolved DID documents are kept this long, so key rotation is picked up. */
  didCacheTtlSeconds: number;
  fetchTimeoutMs: number;
  fetchMaxBytes: number;
}

export const DEFAULT_TRUST_CONFIG: Omit<TrustConfig, 'issuers' | 'audience'> = {
  jurisdiction: 'EU',
  countries: [...EU_MEMBER_STATES],
  requireProofOfPossession: true,
  clockSkewSeconds: 60,
  statusListMaxAgeSeconds: 300,
  challengeTtlSeconds: 86_400,
  didCacheTtlSeconds: 300,
  fetchTimeoutMs: 5_000,
  fetchMaxBytes: 256 * 1024,
};

const schema = {
  type: 'object',
  additionalProperties: false,
  required: ['issuers', 'audience'],
  properties: {
    issuers: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['did', 'name'],
        properties: { did: { type: 'string', pattern: '^did:(web|key):' }, name: { type: 'string', minLength: 1 } },
      },
    },
    jurisdiction: { type: 'string', pattern: '^[A-Z][A-Z0-9-]{0,31}$' },
    countries: { type: 'array', minItems: 1, items: { type: 'string' } },
    requireProofOfPossession: { type: 'boolean' },
    clockSkewSeconds: { type: 'integer', minimum: 0, maximum: 3600 },
    audience: { type: 'string', minLength: 1 },
    statusListMaxAgeSeconds: { type: 'integer', minimum: 1 },
    challengeTtlSeconds: { type: 'integer', minimum: 60 },
    didCacheTtlSeconds: { type: 'integer', minimum: 0 },
    fetchTimeoutMs: { type: 'integer', minimum: 100, maximum: 60_000 },
    fetchMaxBytes: { type: 'integer', minimum: 1024, maximum: 16 * 1024 * 1024 },
  },
} as const;

const check = new Ajv({ allErrors: true }).compile(schema);

export class TrustConfigError extends Error {}

/** The ConfigMap key holding the trust configuration document. */
export const TRUST_ANCHORS_KEY = 'trust-anchors.yaml';

/**
 * Parses and validates trust configuration, given either the document itself
 * or the ConfigMap that carries it; errors name the field and the fix.
 */
export function parseTrustConfig(text: string, source = 'trust configuration'): TrustConfig {
  const load = (yaml: string, where: string) => {
    try {
      return parse(yaml) as unknown;
    } catch (error) {
      throw new TrustConfigError(`${where}: not valid YAML: ${(error as Error).message}`);
    }
  };
  const raw = load(text, source) as { kind?: unknown; data?: Record<string, string> } | null;
  if (raw?.kind === 'ConfigMap') {
    const document = raw.data?.[TRUST_ANCHORS_KEY];
    if (typeof document !== 'string') throw new TrustConfigError(`${source}: the ConfigMap has no data.${TRUST_ANCHORS_KEY}`);
    return trustConfigFrom(load(document, `${source} data.${TRUST_ANCHORS_KEY}`), `${source} data.${TRUST_ANCHORS_KEY}`);
  }
  return trustConfigFrom(raw, source);
}

export function trustConfigFrom(raw: unknown, source = 'trust configuration'): TrustConfig {
  if (!check(raw)) {
    const problems = (check.errors ?? []).map((e) => {
      const at = e.instancePath.replace(/^\//, '').replace(/\//g, '.') || '(root)';
      const what = e.keyword === 'additionalProperties' ? `unknown field ${String(e.params.additionalProperty)}` : e.message;
      return `${at}: ${what}`;
    });
    throw new TrustConfigError(`${source}: ${problems.join('; ')}`);
  }
  const config = { ...DEFAULT_TRUST_CONFIG, ...(raw as Partial<TrustConfig>) } as TrustConfig;
  const bad = config.countries.filter((c) => !isCountryCode(c));
  if (bad.length) {
    throw new TrustConfigError(`${source}: countries: ${bad.join(', ')} are not ISO 3166-1 alpha-2 codes in upper case (e.g. FR)`);
  }
  return config;
}
