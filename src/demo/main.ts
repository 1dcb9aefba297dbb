// `npm run demo [-- --once]`: the local federation on real control planes.
import { kubectl } from '../controlplane/kubectl.ts';
import { startDemoFederation } from './federation.ts';

const once = process.argv.includes('--once');
const log = (line: string) => console.log(`demo: ${line}`);

const federation = await startDemoFederation(log);
let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  log('stopping the control planes…');
  await federation.stop();
  log('stopped; nothing left running');
};

try {
  const host = federation.host.access.kubeconfigPath;
  const view = await kubectl(host, ['get', 'mc,sn,gp,fw', '-A']);
  console.log(`\n${view.stdout}`);
  for (const member of federation.members.values()) {
    const nodes = await kubectl(member.access.kubeconfigPath, ['get', 'nodes', '-o', 'custom-columns=NODE:.metadata.name,ALLOCATABLE:.status.allocatable']);
    console.log(`member ${member.name}:\n${nodes.stdout}`);
  }
  console.log('Status columns stay empty until the operator runs against this host (see the issues in progress).');
  console.log(`\nThe host API server:   export KUBECONFIG=${host}`);
  for (const member of federation.members.values()) console.log(`member ${member.name.padEnd(8)}      KUBECONFIG=${member.access.kubeconfigPath}`);
} catch (error) {
  await stop();
  throw error;
}

if (once) {
  await stop();
} else {
  log('running; press Ctrl-C to stop');
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void stop().then(() => process.exit(0)));
}
