// `npm run fabric:up` / `npm run fabric:down`: a local Fabric network for
// development, left running between the two. Its state (ports, identities,
// pids) is in ~/.cache/cloud-empire/fabric-network/network.json.
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { cacheDir } from '../../src/controlplane/binaries.ts';
import { CONNECTION_DIRS, writeConnectionDirs } from '../../src/fabric/connections.ts';
import { LocalFabricNetwork, type FabricNetworkInfo } from '../../src/fabric/local-network.ts';

const dir = join(cacheDir(), 'fabric-network');
const command = process.argv[2];

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function down(): Promise<void> {
  const state = join(dir, 'network.json');
  if (!existsSync(state)) {
    console.log('fabric: no network is running');
    return;
  }
  const info = JSON.parse(readFileSync(state, 'utf8')) as FabricNetworkInfo;
  // Only the processes this script started, by the pids it recorded.
  for (const pid of info.pids) if (alive(pid)) process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + 10_000;
  while (info.pids.some(alive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  for (const pid of info.pids) if (alive(pid)) process.kill(pid, 'SIGKILL');
  rmSync(dir, { recursive: true, force: true });
  console.log(`fabric: stopped ${info.pids.length} processes and removed ${dir}`);
}

if (command === 'up') {
  if (existsSync(join(dir, 'network.json'))) await down();
  const t0 = Date.now();
  const network = await LocalFabricNetwork.start({ dir, log: (line) => console.log(line), detached: true });
  console.log(
    `fabric: network up in ${((Date.now() - t0) / 1000).toFixed(1)} s; peers ${Object.values(network.info.peers)
      .map((p) => `${p.mspId} ${p.address}`)
      .join(', ')}`,
  );
  const connections = writeConnectionDirs(network.info, join(dir, 'connections'));
  console.log('fabric: a connection directory per party (pass it as --fabric-connection DIR):');
  for (const [party, path] of Object.entries(connections)) console.log(`  ${path}  ${CONNECTION_DIRS[party as keyof typeof CONNECTION_DIRS]}`);
  console.log(`fabric: stop it with npm run fabric:down (ports and pids in ${join(dir, 'network.json')})`);
  process.exit(0);
} else if (command === 'down') {
  await down();
} else {
  console.error('usage: node hack/fabric/network.ts up|down');
  process.exit(2);
}
