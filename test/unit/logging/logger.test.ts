import { PassThrough } from 'node:stream';
import { createLogger, defaultLogFormat, redact } from '../../../src/logging/logger.ts';

function capture(format: 'json' | 'text') {
  const stream = new PassThrough();
  const lines: string[] = [];
  stream.on('data', (chunk: Buffer) => lines.push(...chunk.toString().split('\n').filter(Boolean)));
  return { logger: createLogger({ format, stream, level: 'debug' }), lines };
}

describe('logger', () => {
  it('writes one JSON object per line in production, with secrets redacted at any depth', async () => {
    const { logger, lines } = capture('json');
    logger.info('connected', {
      component: 'cluster',
      cluster: 'paris',
      kubeconfig: 'apiVersion: v1\nusers: [token: abc]',
      auth: { token: 's3cr3t', user: 'op' },
    });
    await new Promise((r) => setImmediate(r));
    const entry = JSON.parse(lines[0]);
    expect(entry).toMatchObject({
      level: 'info',
      message: 'connected',
      component: 'cluster',
      cluster: 'paris',
      kubeconfig: '[redacted]',
      auth: { token: '[redacted]', user: 'op' },
    });
    expect(lines[0]).not.toContain('s3cr3t');
    expect(typeof entry.timestamp).toBe('string');
  });

  it('writes readable lines in a terminal', async () => {
    const { logger, lines } = capture('text');
    logger.warn('probe failed', { component: 'cluster', cluster: 'madrid', password: 'hunter2' });
    await new Promise((r) => setImmediate(r));
    expect(lines[0]).toMatch(/warn.*\[cluster\] probe failed cluster=madrid password=\[redacted\]/);
  });

  it('redacts private JWK members but keeps public ones', () => {
    expect(redact({ jwk: { kty: 'OKP', crv: 'Ed25519', x: 'pub', d: 'priv' } })).toEqual({ jwk: { kty: 'OKP', crv: 'Ed25519', x: 'pub', d: '[redacted]' } });
  });

  it('chooses JSON off a terminal or in production, text in a terminal', () => {
    expect(defaultLogFormat({}, false)).toBe('json');
    expect(defaultLogFormat({}, true)).toBe('text');
    expect(defaultLogFormat({ NODE_ENV: 'production' }, true)).toBe('json');
    expect(defaultLogFormat({ LOG_FORMAT: 'text' }, false)).toBe('text');
  });
});
