// A writer the crash test SIGKILLs: it records attestations on an embedded
// ledger as fast as it can (8 in flight) and prints each node's name once
// its transaction is acknowledged. Stdout is a pipe, written synchronously,
// so every line the parent reads was acknowledged before the kill.
//   node test/ledger/crash-writer.ts LEDGER_DIR HEAD_FILE KEY_FILE PREFIX
import { readFileSync } from 'node:fs';
import { FileHeadCheckpoint } from '../../src/ledger/embedded/head-checkpoint.ts';
import { openEmbeddedLedger } from '../../src/ledger/open.ts';
import { signingKeyOf } from '../../src/trust/signing-key.ts';

const [dir, headFile, keyFile, prefix] = process.argv.slice(2);
const ISSUER = 'did:web:issuer.example.eu';
const ledger = await openEmbeddedLedger(dir, {
  signer: signingKeyOf(JSON.parse(readFileSync(keyFile, 'utf8'))),
  checkpoint: new FileHeadCheckpoint(headFile),
  trustAnchors: [{ did: ISSUER, name: 'Issuer', countries: ['FR'] }],
});
process.stdout.write('open\n');
let next = 0;
await Promise.all(
  Array.from({ length: 8 }, async () => {
    for (;;) {
      const nodeName = `${prefix}-${next++}`;
      await ledger.recordAttestation({
        sovereignNode: nodeName,
        memberCluster: 'paris',
        nodeName,
        did: `did:web:nodes.example.eu:${nodeName}`,
        verified: true,
        reason: 'VERIFIED',
        issuer: ISSUER,
        countryCode: 'FR',
        jurisdiction: 'EU',
        credentialDigest: 'c'.repeat(64),
        observedAt: new Date().toISOString(),
      });
      process.stdout.write(`${nodeName}\n`);
    }
  }),
);
