import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbeddedLedger } from '../../../src/ledger/embedded/embedded-ledger.ts';
import { contractSuite } from '../../ledger/contract-suite.ts';
import { embeddedParties } from '../../ledger/embedded-parties.ts';
import { ledgerOptions } from '../../ledger/ledger-keys.ts';

const dir = mkdtempSync(join(tmpdir(), 'cloud-empire-contracts-'));
const ledger = await EmbeddedLedger.open(join(dir, 'ledger'), ledgerOptions(join(dir, 'head.json')));

afterAll(async () => {
  await ledger.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('sovereignty chaincode on the embedded ledger', () => {
  contractSuite(() => embeddedParties(ledger));
});
