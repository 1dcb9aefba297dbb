// The embedded ledger's head in a ConfigMap of a real API server, and the
// ledger refusing a log cut off behind it.
import { mkdtempSync, readFileSync, rmSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbeddedLedger } from '../../../src/ledger/embedded/embedded-ledger.ts';
import { ConfigMapHeadCheckpoint } from '../../../src/ledger/kube-head-checkpoint.ts';
import { embeddedParties } from '../../ledger/embedded-parties.ts';
import { operatorKey } from '../../ledger/ledger-keys.ts';
import { ensureNamespace, hostAccess, kubeConfig, uniqueName } from '../federation.ts';

const hash = (c: string) => c.repeat(64);

describe('ConfigMapHeadCheckpoint', () => {
  it('stores the head, never moves it back, and survives a second writer through resourceVersion checks', async () => {
    const host = kubeConfig(hostAccess());
    const namespace = uniqueName('ledger-head');
    await ensureNamespace(host, namespace);
    const checkpoint = new ConfigMapHeadCheckpoint(host, namespace);
    expect(await checkpoint.read()).toBeUndefined();
    await checkpoint.write({ height: 2, hash: hash('a') });
    await checkpoint.write({ height: 4, hash: hash('b') });
    const other = new ConfigMapHeadCheckpoint(host, namespace);
    expect(await other.read()).toEqual({ height: 4, hash: hash('b') });
    await other.write({ height: 6, hash: hash('c') });
    // The first writer's copy is stale: its update conflicts, it reads again and finds the head ahead of it.
    await expect(checkpoint.write({ height: 5, hash: hash('d') })).rejects.toThrow(/is at block 6, ahead of this ledger's 5/);
    await checkpoint.write({ height: 7, hash: hash('e') });
    expect(await other.read()).toEqual({ height: 7, hash: hash('e') });
  });

  it("lets the embedded ledger refuse a log cut off behind the head in the host's ConfigMap", async () => {
    const host = kubeConfig(hostAccess());
    const namespace = uniqueName('ledger-head');
    await ensureNamespace(host, namespace);
    const dir = mkdtempSync(join(tmpdir(), 'ledger-head-'));
    try {
      const options = { signer: operatorKey(), checkpoint: new ConfigMapHeadCheckpoint(host, namespace) };
      const ledger = await EmbeddedLedger.open(dir, options);
      const { trustAdmin } = embeddedParties(ledger);
      await trustAdmin.syncTrustAnchors([{ did: 'did:web:issuer.example.eu', name: 'Issuer', countries: ['FR'] }]);
      await trustAdmin.syncTrustAnchors([{ did: 'did:web:issuer2.example.eu', name: 'Issuer 2', countries: ['ES'] }]);
      await ledger.close();
      expect(await new ConfigMapHeadCheckpoint(host, namespace).read()).toMatchObject({ height: ledger.blocks });
      const path = join(dir, 'blocks.log');
      const lines = readFileSync(path, 'utf8').split('\n');
      truncateSync(path, Buffer.byteLength(`${lines[0]}\n`));
      await expect(EmbeddedLedger.open(dir, { ...options, checkpoint: new ConfigMapHeadCheckpoint(host, namespace) })).rejects.toThrow(
        new RegExp(`holds 1 block\\(s\\), but ConfigMap ${namespace}/cloud-empire-ledger-head says the ledger reached block ${ledger.blocks}`),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
