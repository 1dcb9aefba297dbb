import { generateKeyPairSync } from 'node:crypto';
import { PassThrough } from 'node:stream';
import { createLogger } from '../../../src/logging/logger.ts';
import { redact, redactString } from '../../../src/logging/redact.ts';

const JWT = 'eyJhbGciOiJFZERTQSIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJkaWQ6a2V5Ono2TWsiLCJzdWIiOiJub2RlIn0.c2lnbmF0dXJlLWJ5dGVzLWhlcmU';
const PEM = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
const RSA_PEM = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs1', format: 'pem' }) as string;

describe('redaction', () => {
  it('redacts secrets at any depth, in arrays, under kubeconfig-style keys', () => {
    let deep: Record<string, unknown> = { token: 'deep-secret' };
    for (let i = 0; i < 30; i++) deep = { level: deep };
    const kubeconfig = {
      users: [{ name: 'u', user: { token: 't0k', 'id-token': 'idt', 'refresh-token': 'rt', 'client-key-data': 'ckd', 'client-secret': 'cs' } }],
      auth: { keyData: 'kd', privateKey: 'pk', password: 'pw', Authorization: 'Basic YWJj', apiKey: 'ak', serviceAccountToken: 'sat' },
    };
    const out = JSON.stringify(redact({ deep, config: kubeconfig, list: [[{ refresh_token: 'rt2' }]] }));
    for (const secret of ['deep-secret', 't0k', 'idt', '"rt"', 'ckd', '"cs"', '"kd"', '"pk"', '"pw"', 'YWJj', '"ak"', 'sat', 'rt2'])
      expect(out).not.toContain(secret);
    // Names, public fields and ordinary keys stay.
    expect(out).toContain('"name":"u"');
    expect(redact({ taint: { key: 'cloudempire.eu/unreachable', effect: 'NoSchedule' }, kubeconfigSecretRef: { name: 's', namespace: 'n' } })).toEqual({
      taint: { key: 'cloudempire.eu/unreachable', effect: 'NoSchedule' },
      kubeconfigSecretRef: { name: 's', namespace: 'n' },
    });
  });

  it('survives cycles and keeps shared (non-cyclic) objects', () => {
    const shared = { password: 'x', ok: 1 };
    const cyclic: Record<string, unknown> = { a: shared, b: shared };
    cyclic.self = cyclic;
    expect(redact(cyclic)).toEqual({ a: { password: '[redacted]', ok: 1 }, b: { password: '[redacted]', ok: 1 }, self: '[circular]' });
  });

  it('redacts bearer tokens, JWTs, PEM private keys and kubeconfig lines inside strings', () => {
    expect(redactString(`GET /api failed: Authorization: Bearer abc.def-ghi`)).not.toContain('abc.def-ghi');
    expect(redactString(`credential ${JWT} refused`)).toBe('credential [redacted jwt] refused');
    expect(redactString(`key:\n${PEM}end`)).toBe('key:\n[redacted private key]\nend');
    expect(redactString(RSA_PEM).trim()).toBe('[redacted private key]');
    expect(redactString('users:\n- user:\n    token: s3cr3t-token\n    client-key-data: LS0tLS1CRUdJTg==')).not.toMatch(/s3cr3t-token|LS0tLS1CRUdJTg/);
    expect(redactString('{"password":"hunter2","user":"op"}')).toBe('{"password":"[redacted]","user":"op"}');
    expect(redactString('a plain sentence about tokens stays')).toBe('a plain sentence about tokens stays');
  });

  it('applies to messages, fields and errors of the real logger', async () => {
    const stream = new PassThrough();
    const lines: string[] = [];
    stream.on('data', (chunk: Buffer) => lines.push(chunk.toString()));
    const logger = createLogger({ format: 'json', stream, level: 'debug' });
    const error = Object.assign(new Error(`request with Bearer abcdef123 failed for ${JWT}`), { token: 'on-the-error' });
    logger.warn(`proof ${JWT} rejected`, { component: 'x', error, nested: { deeper: [{ 'client-key-data': 'LS0tkey' }] }, pem: PEM });
    await new Promise((r) => setImmediate(r));
    const text = lines.join('');
    for (const secret of [JWT, 'abcdef123', 'on-the-error', 'LS0tkey', 'PRIVATE KEY-----\nM']) expect(text).not.toContain(secret);
    expect(JSON.parse(text)).toMatchObject({ message: 'proof [redacted jwt] rejected', component: 'x' });
  });
});
