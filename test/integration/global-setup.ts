import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LocalFederation } from '../../src/controlplane/federation.ts';
import { ACCESS_ENV, TEST_MEMBERS } from './federation.ts';

// One host and two members for the whole run, as envtest starts one control
// plane per suite; each test works in its own namespaces and node names.
export default async function globalSetup(): Promise<void> {
  const started = Date.now();
  const federation = await LocalFederation.start({ members: TEST_MEMBERS.map((name) => ({ name })) });
  const file = join(federation.dir, 'access.json');
  writeFileSync(file, JSON.stringify(federation.access), { mode: 0o600 });
  process.env[ACCESS_ENV] = file;
  (globalThis as { __cloudEmpireFederation?: LocalFederation }).__cloudEmpireFederation = federation;
  console.log(`\nlocal federation (host + ${TEST_MEMBERS.join(', ')}) ready in ${Date.now() - started} ms at ${federation.dir}`);
}
