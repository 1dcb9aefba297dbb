// Kubernetes resource quantities (k8s.io/apimachinery resource.Quantity) for
// the two resources placement counts itself: CPU in millicores, memory in MiB.

const SUFFIX: Record<string, number> = {
  '': 1,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};
const QUANTITY = /^([+-]?[0-9]+(?:\.[0-9]*)?|[+-]?\.[0-9]+)(?:[eE]([+-]?[0-9]+)|(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?)$/;

/** The quantity's value in base units, or undefined when it is not a quantity. */
export function parseQuantity(text: string | number | undefined): number | undefined {
  if (typeof text === 'number') return Number.isFinite(text) ? text : undefined;
  if (typeof text !== 'string') return undefined;
  const match = QUANTITY.exec(text.trim());
  if (!match) return undefined;
  const value = Number(match[1]) * (match[2] !== undefined ? 10 ** Number(match[2]) : SUFFIX[match[3] ?? '']);
  return Number.isFinite(value) ? value : undefined;
}

/** CPU in millicores, rounded up as the kube-scheduler does. */
export function cpuMillis(text: string | number | undefined): number | undefined {
  const value = parseQuantity(text);
  return value === undefined ? undefined : Math.ceil(value * 1000 - 1e-9);
}

/** Memory in MiB, rounded up: a request is never under-counted. */
export function memoryMiB(text: string | number | undefined): number | undefined {
  const value = parseQuantity(text);
  return value === undefined ? undefined : Math.ceil(value / 2 ** 20 - 1e-9);
}
