// Member kubeconfigs come from Secrets: nothing in them may run a command or
// read the operator's files. The pool is driven against a fake host API
// server on 127.0.0.1 that serves the MemberCluster and its Secret, and a fake
// member API server that records what reaches it.
import { KubeConfig } from '@kubernetes/client-node';
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { checkMemberKubeconfig, KubeconfigRefusedError } from '../../../src/cluster/kubeconfig-policy.ts';
import { MemberAccessError, MemberClients } from '../../../src/cluster/member-clients.ts';
import { makeTestPki, type TestPki } from '../../helpers/pki.ts';

const CA = Buffer.from('-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n').toString('base64');

function kubeconfig(cluster: Record<string, unknown>, user: Record<string, unknown>, extra: Record<string, unknown> = {}): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'm', cluster }],
    users: [{ name: 'u', user }],
    contexts: [{ name: 'c', context: { cluster: 'm', user: 'u' } }],
    'current-context': 'c',
    ...extra,
  });
}

const refusedField = (text: string): string => {
  try {
    checkMemberKubeconfig(text);
  } catch (error) {
    if (error instanceof KubeconfigRefusedError) return error.field;
    throw error;
  }
  return '(accepted)';
};

describe('the member kubeconfig policy', () => {
  const server = { server: 'https://member.example:6443', 'certificate-authority-data': CA };

  it('accepts inline data: server, CA data, token or client certificate and key data', () => {
    expect(refusedField(kubeconfig(server, { token: 'abc' }))).toBe('(accepted)');
    expect(refusedField(kubeconfig({ ...server, 'insecure-skip-tls-verify': false }, { 'client-certificate-data': CA, 'client-key-data': CA }))).toBe(
      '(accepted)',
    );
  });

  it.each([
    ['exec', {}, { exec: { command: '/bin/sh', args: ['-c', 'id'] } }, 'users[0].user.exec'],
    ['auth-provider', {}, { 'auth-provider': { name: 'oidc', config: {} } }, 'users[0].user.auth-provider'],
    ['tokenFile', {}, { tokenFile: '/var/run/secrets/kubernetes.io/serviceaccount/token' }, 'users[0].user.tokenFile'],
    ['client-certificate', {}, { 'client-certificate': '/etc/ssl/x.crt', 'client-key-data': CA }, 'users[0].user.client-certificate'],
    ['client-key', {}, { 'client-certificate-data': CA, 'client-key': '/etc/ssl/x.key' }, 'users[0].user.client-key'],
    ['certificate-authority', { 'certificate-authority': '/etc/ssl/ca.crt' }, { token: 't' }, 'clusters[0].cluster.certificate-authority'],
    ['insecure-skip-tls-verify', { 'insecure-skip-tls-verify': true }, { token: 't' }, 'clusters[0].cluster.insecure-skip-tls-verify'],
    ['basic auth', {}, { username: 'a', password: 'b' }, 'users[0].user.username'],
    ['proxy-url', { 'proxy-url': 'http://10.0.0.1:3128' }, { token: 't' }, 'clusters[0].cluster.proxy-url'],
    ['impersonation', {}, { token: 't', as: 'system:admin' }, 'users[0].user.as'],
    ['an unknown user field', {}, { token: 't', plugin: 'x' }, 'users[0].user.plugin'],
    ['an unknown cluster field', { extensions: [] }, { token: 't' }, 'clusters[0].cluster.extensions'],
    ['plain http server', { server: 'http://member.example' }, { token: 't' }, 'clusters[0].cluster.server'],
    ['a token that is not a string', {}, { token: { from: 'file' } }, 'users[0].user.token'],
  ])('refuses %s, naming the field', (_name, clusterOverrides, user, field) => {
    expect(refusedField(kubeconfig({ ...server, ...clusterOverrides }, user))).toBe(field);
  });

  it('refuses unknown top-level fields, non-empty preferences, YAML alias bombs and oversized documents', () => {
    expect(refusedField(kubeconfig(server, { token: 't' }, { 'auth-info-extra': 1 }))).toBe('auth-info-extra');
    expect(refusedField(kubeconfig(server, { token: 't' }, { preferences: { colors: true } }))).toBe('preferences');
    const bomb = [
      'a: &a [x, x, x, x, x, x, x, x, x, x]',
      ...Array.from(
        { length: 20 },
        (_, i) => `${String.fromCharCode(98 + (i % 20))}${i}: &${'l' + i} [*${i === 0 ? 'a' : 'l' + (i - 1)}, *${i === 0 ? 'a' : 'l' + (i - 1)}]`,
      ),
    ].join('\n');
    expect(refusedField(bomb)).toBe('(document)');
    expect(refusedField(`# ${'x'.repeat(300 * 1024)}\n${kubeconfig(server, { token: 't' })}`)).toBe('(document)');
  });

  it('says what to do instead', () => {
    expect(() => checkMemberKubeconfig(kubeconfig(server, { tokenFile: '/x' }))).toThrow(
      /users\[0\]\.user\.tokenFile: refused: it reads a file of the operator's; put the data inline/,
    );
  });
});

describe('MemberClients refuses a hostile kubeconfig before anything runs or connects', () => {
  let dir: string;
  let hostServer: Server;
  let memberServer: Server | import('node:https').Server;
  const memberRequests: IncomingHttpHeaders[] = [];
  let secretText = '';
  let secretNamespace = 'cloud-empire';

  const host = () => {
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: 'host', server: `http://127.0.0.1:${(hostServer.address() as AddressInfo).port}`, skipTLSVerify: true }],
      users: [{ name: 'host' }],
      contexts: [{ name: 'host', cluster: 'host', user: 'host' }],
      currentContext: 'host',
    });
    return kc;
  };
  const memberUrl = () => `https://127.0.0.1:${(memberServer.address() as AddressInfo).port}`;
  let pki: TestPki;
  // The member's real CA: were the policy gone, requests would reach the member with whatever credential client-node found.
  const memberCluster = () => ({ server: memberUrl(), 'certificate-authority-data': Buffer.from(pki.caPem).toString('base64') });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kubeconfig-policy-'));
    hostServer = createServer((req, res) => {
      const send = (body: unknown) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      if (req.url?.startsWith('/apis/cloudempire.eu/v1alpha1/memberclusters/')) {
        return send({
          apiVersion: 'cloudempire.eu/v1alpha1',
          kind: 'MemberCluster',
          metadata: { name: 'hostile', resourceVersion: '1' },
          spec: { kubeconfigSecretRef: { name: 'hostile-kubeconfig', namespace: secretNamespace }, country: 'FR', provider: 'x' },
        });
      }
      if (req.url?.startsWith(`/api/v1/namespaces/${secretNamespace}/secrets/`)) {
        return send({
          apiVersion: 'v1',
          kind: 'Secret',
          metadata: { name: 'hostile-kubeconfig', resourceVersion: String(Date.now()) },
          data: { kubeconfig: Buffer.from(secretText).toString('base64') },
        });
      }
      res.writeHead(404).end();
    });
    pki = makeTestPki();
    memberServer = createHttpsServer({ cert: pki.certPem, key: pki.keyPem }, (req, res) => {
      memberRequests.push(req.headers);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"kind":"NodeList","items":[]}');
    });
    await Promise.all([hostServer, memberServer].map((s) => new Promise<void>((r) => s.listen(0, '127.0.0.1', r))));
  });
  afterAll(async () => {
    await Promise.all([hostServer, memberServer].map((s) => new Promise<void>((r) => s.close(() => r()))));
    rmSync(dir, { recursive: true, force: true });
  });

  /** What the pool does with the Secret; a client it hands out is used at once, as the controllers would. */
  async function use(text: string): Promise<unknown> {
    secretText = text;
    try {
      const client = await new MemberClients(host()).client('hostile');
      await client.core.listNode().catch(() => undefined);
      return 'accepted';
    } catch (error) {
      return error;
    }
  }

  it('never runs user.exec (the script would create a marker file)', async () => {
    const marker = join(dir, 'exec-ran');
    const script = join(dir, 'credential.sh');
    writeFileSync(
      script,
      `#!/bin/sh\ntouch ${marker}\necho '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"from-exec"}}'\n`,
    );
    chmodSync(script, 0o755);
    const error = await use(
      kubeconfig(memberCluster(), { exec: { apiVersion: 'client.authentication.k8s.io/v1', command: script, interactiveMode: 'Never' } }),
    );
    expect(error).toBeInstanceOf(MemberAccessError);
    expect(error).toMatchObject({ reason: 'KubeconfigRefused', message: expect.stringContaining('users[0].user.exec') });
    expect(existsSync(marker)).toBe(false);
    expect(memberRequests).toEqual([]);
  });

  it('never reads or sends a tokenFile', async () => {
    const tokenFile = join(dir, 'operator-sa-token');
    writeFileSync(tokenFile, 'operator-service-account-token-SECRET');
    const error = await use(kubeconfig(memberCluster(), { tokenFile }));
    expect(error).toMatchObject({ reason: 'KubeconfigRefused', message: expect.stringContaining('users[0].user.tokenFile') });
    expect(JSON.stringify(error)).not.toContain('operator-service-account-token');
    expect(memberRequests).toEqual([]);
    expect(JSON.stringify(memberRequests)).not.toContain('operator-service-account-token');
  });

  it('reads Secrets only from the operator namespace unless configured otherwise', async () => {
    secretNamespace = 'tenant-a';
    try {
      secretText = kubeconfig(memberCluster(), { token: 't' });
      await expect(new MemberClients(host()).client('hostile')).rejects.toMatchObject({
        reason: 'KubeconfigRefused',
        message: expect.stringMatching(/only from cloud-empire, not tenant-a/),
      });
      await expect(new MemberClients(host(), { secretNamespaces: ['cloud-empire', 'tenant-a'] }).client('hostile')).resolves.toMatchObject({ name: 'hostile' });
    } finally {
      secretNamespace = 'cloud-empire';
    }
  });
});
