// Image references as the container runtimes resolve them (distribution/reference):
// `nginx` is docker.io/library/nginx, `user/app` is docker.io/user/app, and the
// first component is a registry only when it has a dot or a port, or is localhost.

export interface ImageReference {
  /** Registry host, lower case, with its port if any; docker.io for Docker Hub. */
  registry: string;
  repository: string;
  tag?: string;
  digest?: string;
}

const DIGEST = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-fA-F0-9]{32,}$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const HOST = /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\[[0-9a-fA-F:]+\])(?::[0-9]{1,5})?$/;
const DOCKER_HUB_ALIASES = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io']);

/** Parses an image reference; throws an Error naming what is wrong. */
export function parseImageReference(image: string): ImageReference {
  if (!image || image.length > 1024 || image !== image.trim()) throw new Error(`image ${JSON.stringify(image)} is not an image reference`);
  let rest = image;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) throw new Error(`image ${image}: digest ${digest} is not algorithm:hex`);
  }
  const slash = rest.indexOf('/');
  const first = slash >= 0 ? rest.slice(0, slash) : '';
  const isHost = slash >= 0 && (first.includes('.') || first.includes(':') || first === 'localhost' || first.startsWith('['));
  let registry = isHost ? first.toLowerCase() : 'docker.io';
  let path = isHost ? rest.slice(slash + 1) : rest;
  if (isHost && !HOST.test(first)) throw new Error(`image ${image}: registry ${first} is not a host[:port]`);
  let tag: string | undefined;
  const colon = path.lastIndexOf(':');
  if (colon >= 0) {
    tag = path.slice(colon + 1);
    path = path.slice(0, colon);
    if (!TAG.test(tag)) throw new Error(`image ${image}: tag ${tag} is not a valid tag`);
  }
  if (!path || !path.split('/').every((c) => COMPONENT.test(c)))
    throw new Error(`image ${image}: repository ${path || '(empty)'} must be lower-case path components`);
  if (DOCKER_HUB_ALIASES.has(registry)) {
    registry = 'docker.io';
    if (!path.includes('/')) path = `library/${path}`;
  }
  return { registry, repository: path, ...(tag !== undefined && { tag }), ...(digest !== undefined && { digest }) };
}
