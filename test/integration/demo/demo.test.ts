import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { REPO_ROOT } from '../../../src/controlplane/binaries.ts';

/** The pids whose parent is `parent`, with their command lines (what /proc shows now). */
function childrenOf(parent: number): Map<number, string> {
  const children = new Map<number, string>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === parent) children.set(Number(entry), readFileSync(`/proc/${entry}/cmdline`, 'utf8'));
    } catch {
      // It exited while we looked.
    }
  }
  return children;
}

/** TCP ports a process listens on: its socket inodes matched against the kernel's LISTEN table. */
function listeningPorts(pid: number): number[] {
  try {
    const inodes = new Set(
      readdirSync(`/proc/${pid}/fd`)
        .map((fd) => {
          try {
            return /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`))?.[1];
          } catch {
            return undefined;
          }
        })
        .filter(Boolean),
    );
    const ports: number[] = [];
    for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
      for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
        const f = line.trim().split(/\s+/);
        if (f[3] === '0A' && inodes.has(f[9])) ports.push(parseInt(f[1].split(':').at(-1)!, 16));
      }
    }
    return ports;
  } catch {
    return [];
  }
}

const refuses = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => (socket.destroy(), resolve(false)));
    socket.once('error', () => resolve(true));
  });

function isRunning(pid: number, cmdline: string): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // A zombie has exited; a reused pid runs something else.
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z' && readFileSync(`/proc/${pid}/cmdline`, 'utf8') === cmdline;
  } catch {
    return false;
  }
}

describe('npm run demo', () => {
  it('brings up host + three members, verifies every node with the operator and stops cleanly', async () => {
    const demo = spawn(process.execPath, [join(REPO_ROOT, 'src', 'demo', 'main.ts'), '--once'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    demo.stdout.on('data', (d: Buffer) => (stdout += d));
    demo.stderr.on('data', (d: Buffer) => (stderr += d));
    // What the demo started, seen while it runs: its child processes and the ports they listen on.
    const started = new Map<number, { cmdline: string; ports: Set<number> }>();
    const sampler = setInterval(() => {
      for (const [pid, cmdline] of childrenOf(demo.pid!)) {
        const seen = started.get(pid) ?? { cmdline, ports: new Set<number>() };
        // The latest command line: a child sampled between fork and exec still shows node's, and
        // one that has exited (a zombie until reaped) shows none.
        if (cmdline) seen.cmdline = cmdline;
        for (const port of listeningPorts(pid)) seen.ports.add(port);
        started.set(pid, seen);
      }
    }, 200);
    const timer = setTimeout(() => demo.kill('SIGKILL'), 180_000);
    const code = await new Promise<number>((resolve) => demo.on('close', (c) => resolve(c ?? -1)));
    clearInterval(sampler);
    clearTimeout(timer);

    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toMatch(/control planes ready in [\d.]+ s: host \+ paris, madrid, warsaw/);
    expect(stdout).toMatch(/^membercluster\.cloudempire\.eu\/paris\s+FR\s+ovhcloud\s+True\s+v1\.34\.4\s+4\s+2\s/m);
    expect(stdout).toMatch(/^membercluster\.cloudempire\.eu\/madrid\s+ES\s+atos\s+True\s+v1\.34\.4\s+2\s+2\s/m);
    expect(stdout).toMatch(/^gpupool\.cloudempire\.eu\/paris-h100\s+paris\s+nvidia\.com\/gpu\s+NVIDIA-H100-80GB-HBM3\s+2\s+16\s+0\s+True/m);
    expect(stdout).toMatch(/^gpupool\.cloudempire\.eu\/madrid-a100-mig\s+madrid\s+nvidia\.com\/mig-1g\.10gb\s+\S+\s+1\s+7\s+0\s+True/m);
    expect(stdout.match(/^sovereignnode\.cloudempire\.eu\/\S+\s+\S+\s+\S+\s+True\s+Verified\s/gm)).toHaveLength(6);
    expect(stdout).toMatch(/^sovereignnode\.cloudempire\.eu\/paris-cpu-1\s+paris\s+par-cpu-1\s+False\s+Expired\s+FR/m);
    expect(stdout).toMatch(/^sovereignnode\.cloudempire\.eu\/paris-edge-london\s+paris\s+par-edge-lon\s+False\s+JurisdictionDenied\s+GB/m);
    expect(stdout).toMatch(/^par-cpu-1\s+false\s+<none>\s+trust\.cloudempire\.eu\/unverified,trust\.cloudempire\.eu\/revoked/m);
    expect(stdout).toMatch(/^par-h100-1\s+true\s+FR\s+<none>/m);
    expect(stdout.match(/federatedworkload\.cloudempire\.eu\//g)).toHaveLength(3);
    expect(stdout).toMatch(/mad-a100-1\s+true\s+ES\s+<none>\s+map\[.*nvidia\.com\/mig-1g\.10gb:7/);
    expect(stdout).toMatch(/waw-mi300-1\s+true\s+PL\s+<none>\s+map\[amd\.com\/gpu:8/);
    expect(stdout).toMatch(/^paris\s+paris-h100\s+ovhcloud\s+FR\s+NVIDIA-H100-80GB-HBM3\s+nvidia\.com\/gpu\s+16\s+16\s+2\.85 EUR/m);
    expect(stdout).toMatch(/^warsaw\s+warsaw-mi300x\s+cloudferro\s+PL\s+AMD-Instinct-MI300X\s+amd\.com\/gpu\s+8\s+8\s+2\.10 EUR/m);
    expect(stdout).toMatch(/^ledger \(embedded, hash-chained, signed\): \d+ blocks, \d+ transactions, intact$/m);
    // The example workloads, placed under the ledger's approval: the inference Job only in Paris (clinical-notes-fr is FR only).
    expect(stdout).toMatch(/^demo: fw default\/llm-inference: placed paris\/paris-h100×1; Scheduled=True Placed/m);
    expect(stdout).toMatch(/^default\s+federatedworkload\.cloudempire\.eu\/llm-inference\s+Job\s+True\s+True/m);

    expect(stdout).toContain('stopped; nothing left running');
    // Nothing left running: checked on the machine, not taken from the demo's word.
    const servers = [...started.values()].filter((p) => /kube-apiserver|etcd/.test(p.cmdline));
    expect(servers.length).toBeGreaterThanOrEqual(5); // etcd + host + three members
    const ports = [...started.values()].flatMap((p) => [...p.ports]);
    expect(ports.length).toBeGreaterThanOrEqual(5);
    expect([...started].filter(([pid, p]) => isRunning(pid, p.cmdline)).map(([, p]) => p.cmdline.split('\0')[0])).toEqual([]);
    expect((await Promise.all(ports.map(async (port) => ((await refuses(port)) ? undefined : port)))).filter(Boolean)).toEqual([]);
  }, 200_000);
});
