import { isCountryCode } from '../../api/countries.ts';
import type { KeyFile } from '../../trust/issue.ts';
import { algForJwk } from '../../trust/keys.ts';
import { UsageError } from '../errors.ts';
import { readJson } from '../input.ts';

/** Reads a private key written by `empirectl did new`. */
export function readKeyFile(path: string, flag: string): KeyFile {
  const key = readJson<KeyFile>(path, `--${flag}`);
  try {
    algForJwk(key);
  } catch (error) {
    throw new UsageError(`--${flag} ${path}: ${(error as Error).message}`);
  }
  if (typeof key.d !== 'string' || typeof key.kid !== 'string' || !key.kid.includes('#')) {
    throw new UsageError(`--${flag} ${path} is not a private key from \`empirectl did new\` (it needs "d" and a "kid" DID URL)`);
  }
  return key;
}

export function countryFlag(value: string): string {
  if (!isCountryCode(value)) throw new UsageError(`--country ${value}: use an ISO 3166-1 alpha-2 code in upper case, e.g. FR`);
  return value;
}
