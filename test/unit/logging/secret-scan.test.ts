import { newIdentity, nodeCredentialPayload } from '../../../src/trust/issue.ts';
import { signJwt } from '../../../src/trust/jwt.ts';
import { generateKeyPairSync } from 'node:crypto';
import { capturingLogger, findSecrets } from '../../helpers/secret-scan.ts';

// The leak check the integration tests apply must itself find leaks.
describe('the secret scan', () => {
  const issuer = newIdentity({ method: 'key' });
  const credential = signJwt(
    { ...nodeCredentialPayload({ subject: 'did:key:z', memberCluster: 'a', nodeName: 'b', countryCode: 'FR', validForSeconds: 60 }), iss: issuer.did },
    issuer.key,
  );
  const pem = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;

  it('finds credential JWTs, private keys, private JWKs and known tokens', () => {
    expect(findSecrets(`status: ${credential}`)).toHaveLength(1);
    expect(findSecrets(pem)).toHaveLength(1);
    expect(findSecrets(JSON.stringify(issuer.key))).toHaveLength(1);
    expect(findSecrets('token abc123-member-token here', ['abc123-member-token'])).toHaveLength(1);
    expect(findSecrets('{"reason":"Verified","message":"credential verified"}', ['abc123-member-token'])).toEqual([]);
  });

  it('finds nothing in what the redacting logger wrote about the same secrets', async () => {
    const { log, text } = capturingLogger();
    log.warn(`refused ${credential}`, { key: issuer.key, kubeconfig: 'token: abc123-member-token', error: new Error(`with ${pem}`) });
    await new Promise((r) => setImmediate(r));
    expect(text()).toContain('refused');
    expect(findSecrets(text(), ['abc123-member-token'])).toEqual([]);
  });
});
