import type { PoolFilterPlugin } from '../framework.ts';

export const PRICE_CAP = 'PriceCap';

/** placement.maxPricePerGpuHour: a pool without a declared price cannot be shown to be under the cap. */
export const priceCap: PoolFilterPlugin = {
  name: PRICE_CAP,
  applies: ({ request }) => request.maxPrice !== undefined && request.gpu !== undefined,
  filterPool({ request }, _cluster, pool) {
    if (pool.price === undefined)
      return {
        plugin: PRICE_CAP,
        code: 'PriceUnknown',
        reason: `pool ${pool.name} declares no price; placement.maxPricePerGpuHour is ${request.maxPriceText}`,
      };
    if (pool.price > request.maxPrice!) {
      return {
        plugin: PRICE_CAP,
        code: 'PriceAboveCap',
        reason: `pool ${pool.name} costs ${pool.priceText} ${pool.currency ?? 'EUR'} per GPU-hour, above placement.maxPricePerGpuHour ${request.maxPriceText}`,
      };
    }
    return undefined;
  },
};
