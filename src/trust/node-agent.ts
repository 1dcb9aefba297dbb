import { CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import type { SovereignNode } from '../api/generated/types.ts';
import { GROUP, VERSION } from '../api/schema/common.ts';
import { SovereignNodeKind } from '../api/schema/sovereignnode.ts';
import { proveNode, type KeyFile } from './issue.ts';

const api = { group: GROUP, version: VERSION, plural: SovereignNodeKind.plural };

/**
 * What a node agent does: wait for the challenge the operator published in
 * its SovereignNode's status, sign it with the DID key and put the proof in
 * spec.proof. Returns the nonce answered.
 */
export async function answerChallenge(host: KubeConfig, name: string, key: KeyFile, timeoutMs = 60_000): Promise<string> {
  const custom = host.makeApiClient(CustomObjectsApi);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const node = (await custom.getClusterCustomObject({ ...api, name })) as SovereignNode;
    const challenge = node.status?.challenge;
    if (challenge) {
      if (key.kid.split('#')[0] !== node.spec.did) throw new Error(`the key ${key.kid} is not of ${name}'s DID ${node.spec.did}`);
      node.spec.proof = await proveNode(key, challenge.nonce, challenge.audience);
      try {
        await custom.replaceClusterCustomObject({ ...api, name, body: node });
        return challenge.nonce;
      } catch (error) {
        if ((error as { code?: number }).code !== 409) throw error; // the operator wrote meanwhile: read again
        continue;
      }
    }
    if (Date.now() > deadline) throw new Error(`no challenge in ${name}'s status after ${timeoutMs} ms: is the operator running?`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
