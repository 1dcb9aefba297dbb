import { ISO_3166_ALPHA2 } from '../countries.ts';
import { array, integer, listMap, object, set, string, stringMap, type Schema } from './dsl.ts';

export const GROUP = 'cloudempire.eu';
export const VERSION = 'v1alpha1';
export const API_VERSION = `${GROUP}/${VERSION}`;

// RFC 1123 names as Kubernetes validates them.
const DNS_LABEL = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$';
const DNS_SUBDOMAIN = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$';

export function countryCode(description: string): Schema {
  return string({
    description: `${description} ISO 3166-1 alpha-2, upper case.`,
    enum: ISO_3166_ALPHA2,
    'x-cloudempire-hint': 'use an ISO 3166-1 alpha-2 country code in upper case, e.g. FR, DE, PL',
  });
}

export function countryList(description: string): Schema {
  return set(countryCode('A country.'), { description, maxItems: 250 });
}

export function dnsLabel(description: string): Schema {
  return string({
    description,
    pattern: DNS_LABEL,
    maxLength: 63,
    'x-cloudempire-hint': 'use lower-case letters, digits and "-", starting and ending with a letter or digit (at most 63)',
  });
}

export function objectName(description: string): Schema {
  return string({
    description,
    pattern: DNS_SUBDOMAIN,
    maxLength: 253,
    'x-cloudempire-hint': 'use a Kubernetes object name: lower-case letters, digits, "-" and "."',
  });
}

/** A jurisdiction from the trust configuration, e.g. EU or EEA. */
export function jurisdiction(description: string): Schema {
  return string({
    description,
    pattern: '^[A-Z][A-Z0-9-]{0,31}$',
    'x-cloudempire-hint': 'use a jurisdiction name from the trust configuration in upper case, e.g. EU',
  });
}

/** Who runs the infrastructure, e.g. `ovhcloud`, `atos`, `scaleway`. */
export function providerName(description: string): Schema {
  return dnsLabel(description);
}

export function providerList(description: string): Schema {
  return set(providerName('A provider.'), { description, maxItems: 64 });
}

// An extended resource name: a domain-qualified name outside kubernetes.io,
// as the API server requires for device-plugin resources.
export const EXTENDED_RESOURCE_PATTERN = '^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*)/[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$';

export function extendedResourceName(description: string): Schema {
  return string({
    description,
    pattern: EXTENDED_RESOURCE_PATTERN,
    maxLength: 253,
    'x-cloudempire-hint': 'use a device-plugin resource name such as nvidia.com/gpu, nvidia.com/mig-1g.10gb or amd.com/gpu',
    'x-kubernetes-validations': [
      {
        rule: "!self.split('/')[0].endsWith('kubernetes.io')",
        message: "extended resources cannot use the kubernetes.io domain; use the device plugin's own, e.g. nvidia.com/gpu",
      },
    ],
  });
}

// A registry host as it appears at the start of an image reference: a DNS
// name with an optional port (docker.io for Docker Hub's short names).
export function imageRegistry(description: string): Schema {
  return string({
    description,
    pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*(:[0-9]{1,5})?$',
    maxLength: 253,
    'x-cloudempire-hint': 'use a registry host, optionally with a port, e.g. registry.example.eu, ghcr.io or docker.io',
  });
}

export function did(description: string): Schema {
  return string({
    description,
    pattern: '^did:(web:[A-Za-z0-9._%-]+(:[A-Za-z0-9._%-]+)*|key:z[1-9A-HJ-NP-Za-km-z]+)$',
    maxLength: 2048,
    'x-cloudempire-hint': 'use a did:web (did:web:example.eu:nodes:n1) or did:key (did:key:z6Mk...) identifier',
  });
}

export function compactJwt(description: string): Schema {
  return string({
    description,
    pattern: '^[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]*$',
    maxLength: 65536,
    'x-cloudempire-hint': 'paste the compact JWT (three base64url parts separated by dots), e.g. from `empirectl credential issue`',
  });
}

/** A decimal amount kept as a string, so prices are never rounded by floats. */
export function price(description: string): Schema {
  return string({
    description,
    pattern: '^[0-9]{1,7}(\\.[0-9]{1,4})?$',
    'x-cloudempire-hint': 'write the amount as a decimal string, e.g. "2.85"',
  });
}

export function currency(): Schema {
  return string({
    description: 'ISO 4217 currency code.',
    pattern: '^[A-Z]{3}$',
    default: 'EUR',
    'x-cloudempire-hint': 'use an ISO 4217 currency code, e.g. EUR',
  });
}

export function labelSelector(description: string): Schema {
  return object(
    {
      'matchLabels?': stringMap({ description: 'Labels that must all match.' }),
      'matchExpressions?': array(
        object({
          key: string({ minLength: 1, maxLength: 317 }),
          operator: string({ enum: ['In', 'NotIn', 'Exists', 'DoesNotExist'] }),
          'values?': set(string(), { maxItems: 256 }),
        }),
        { maxItems: 32 },
      ),
    },
    { description, title: 'LabelSelector', 'x-kubernetes-map-type': 'atomic' },
  );
}

export function taint(description: string): Schema {
  return object(
    {
      key: string({ minLength: 1, maxLength: 317 }),
      'value?': string({ maxLength: 63 }),
      effect: string({ enum: ['NoSchedule', 'PreferNoSchedule', 'NoExecute'] }),
    },
    { description, title: 'ClusterTaint' },
  );
}

export function toleration(description: string): Schema {
  return object(
    {
      'key?': string({ maxLength: 317 }),
      'operator?': string({ enum: ['Equal', 'Exists'], default: 'Equal' }),
      'value?': string({ maxLength: 63 }),
      'effect?': string({ enum: ['NoSchedule', 'PreferNoSchedule', 'NoExecute'] }),
    },
    { description, title: 'ClusterToleration' },
  );
}

/** metav1.Condition, as controller-runtime writes it. */
export function conditions(): Schema {
  return listMap(
    object(
      {
        type: string({
          maxLength: 316,
          pattern: '^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$',
        }),
        status: string({ enum: ['True', 'False', 'Unknown'] }),
        reason: string({ maxLength: 1024, minLength: 1, pattern: '^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$' }),
        message: string({ maxLength: 32768 }),
        'observedGeneration?': integer({ minimum: 0 }),
        lastTransitionTime: string({ format: 'date-time' }),
      },
      { title: 'Condition' },
    ),
    ['type'],
    { description: 'Standard conditions; `observedGeneration` says which spec they describe.', maxItems: 16 },
  );
}

export function observedGeneration(): Schema {
  return integer({ minimum: 0, description: 'The metadata.generation this status describes.' });
}
