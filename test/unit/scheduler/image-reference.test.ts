// Image references exactly as distribution/reference reads them: the whole parse (no field more, none less) and
// each refusal's words, at the edges that decide them (a leading slash, an IPv6 host, a port, 1,024 characters).
import { parseImageReference } from '../../../src/scheduler/image-reference.ts';

const DIGEST = `sha256:${'a'.repeat(64)}`;

describe('image references', () => {
  it.each([
    ['nginx', { registry: 'docker.io', repository: 'library/nginx' }],
    ['nginx:1.27', { registry: 'docker.io', repository: 'library/nginx', tag: '1.27' }],
    [`nginx@${DIGEST}`, { registry: 'docker.io', repository: 'library/nginx', digest: DIGEST }],
    [`team/app:2@${DIGEST}`, { registry: 'docker.io', repository: 'team/app', tag: '2', digest: DIGEST }],
    ['index.docker.io/nginx', { registry: 'docker.io', repository: 'library/nginx' }],
    ['registry-1.docker.io/team/app', { registry: 'docker.io', repository: 'team/app' }],
    ['Registry.Example.EU:5000/team/app:v1', { registry: 'registry.example.eu:5000', repository: 'team/app', tag: 'v1' }],
    ['localhost/app', { registry: 'localhost', repository: 'app' }],
    ['localhost:5000/a/b/c', { registry: 'localhost:5000', repository: 'a/b/c' }],
    ['[::1]:5000/app', { registry: '[::1]:5000', repository: 'app' }],
    // No dot, port or localhost: the first component is a path, not a registry.
    ['team/app', { registry: 'docker.io', repository: 'team/app' }],
    ['a.b/c', { registry: 'a.b', repository: 'c' }],
  ])('%s', (image, expected) => {
    expect(parseImageReference(image)).toEqual(expected);
  });

  it('refuses what is not a reference, naming the part and the image', () => {
    const refusal = (image: string) => {
      try {
        parseImageReference(image);
      } catch (error) {
        return (error as Error).message;
      }
      return 'accepted';
    };
    expect(refusal('')).toBe('image "" is not an image reference');
    expect(refusal(' nginx')).toBe('image " nginx" is not an image reference');
    expect(refusal('nginx ')).toBe('image "nginx " is not an image reference');
    expect(refusal(`a${'b'.repeat(1023)}`)).toBe('accepted');
    expect(refusal(`a${'b'.repeat(1024)}`)).toMatch(/^image "ab+" is not an image reference$/);
    expect(refusal('nginx@sha256:xyz')).toBe('image nginx@sha256:xyz: digest sha256:xyz is not algorithm:hex');
    expect(refusal('@' + DIGEST)).toBe(`image @${DIGEST}: repository (empty) must be lower-case path components`);
    expect(refusal('bad_host.eu:99999999/app')).toBe('image bad_host.eu:99999999/app: registry bad_host.eu:99999999 is not a host[:port]');
    expect(refusal('[zz]/app')).toBe('image [zz]/app: registry [zz] is not a host[:port]');
    expect(refusal('app:bad tag')).toBe('image app:bad tag: tag bad tag is not a valid tag');
    expect(refusal('app:')).toBe('image app:: tag  is not a valid tag');
    expect(refusal('/app')).toBe('image /app: repository /app must be lower-case path components');
    expect(refusal('registry.example.eu/')).toBe('image registry.example.eu/: repository (empty) must be lower-case path components');
    expect(refusal('UPPER/app')).toBe('image UPPER/app: repository UPPER/app must be lower-case path components');
    expect(refusal('registry.example.eu/a//b')).toBe('image registry.example.eu/a//b: repository a//b must be lower-case path components');
  });
});
