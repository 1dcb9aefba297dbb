import { parseTrustConfig, TrustConfigError, type TrustConfig } from '../trust/anchors.ts';
import { UsageError } from './errors.ts';
import { readText } from './input.ts';

/** The trust configuration in a file (the ConfigMap or its bare document); bad content is a usage error naming the field. */
export function readTrustAnchors(file: string): TrustConfig {
  try {
    return parseTrustConfig(readText(file, '--trust-anchors'), file);
  } catch (error) {
    if (error instanceof TrustConfigError) throw new UsageError(error.message);
    throw error;
  }
}
