import type { FilterPlugin } from '../framework.ts';

export const IMAGE_REGISTRY = 'ImageRegistry';

/**
 * Supply-chain sovereignty: every image (after the cluster's overrides) must
 * come from a registry the cluster allows, or the federation-wide list when
 * the cluster sets none. Neither set: any registry.
 */
export const imageRegistry: FilterPlugin = {
  name: IMAGE_REGISTRY,
  filter({ request, options }, cluster) {
    const allowed = cluster.allowedRegistries ?? options.allowedRegistrySet;
    if (!allowed) return undefined;
    for (const image of request.imagesByCluster.get(cluster.name) ?? request.images) {
      if (!allowed.has(image.registry)) {
        const source = cluster.allowedRegistries ? `cluster ${cluster.name} allows` : 'the federation allows';
        return {
          plugin: IMAGE_REGISTRY,
          code: 'ImageRegistryNotAllowed',
          reason: `container ${image.container} pulls ${image.image} from ${image.registry}; ${source} only ${[...allowed].join(', ')}`,
        };
      }
    }
    return undefined;
  },
};
