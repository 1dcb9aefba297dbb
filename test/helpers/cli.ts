import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { main } from '../../src/cli/main.ts';
import { REPO_ROOT } from '../../src/controlplane/binaries.ts';
import { run, type CommandResult } from '../../src/controlplane/kubectl.ts';

/** empirectl in this process: its exit code and what it wrote. */
export async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(
    argv,
    (line) => out.push(line),
    (line) => err.push(line),
  );
  return { code, out: out.join('\n'), err: err.join('\n') };
}

/**
 * Runs a program of the repository (`src/cli/empirectl.ts`) as its own process,
 * with HOME set to `home` and no kubeconfig or debug setting inherited.
 */
export function runProgram(path: string[], args: string[], home: string, env: NodeJS.ProcessEnv = {}): Promise<CommandResult> {
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(([key]) => !['KUBECONFIG', 'KUBERNETES_SERVICE_HOST', 'CLOUD_EMPIRE_DEBUG'].includes(key)),
  );
  return run(process.execPath, [join(REPO_ROOT, ...path), ...args], { env: { ...inherited, HOME: home, ...env }, timeoutMs: 60_000 });
}

/** A 127.0.0.1 port nothing listens on (it was free a moment ago). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Writes a kubeconfig whose only cluster is https://127.0.0.1:`port`, with `token`. */
export function writeKubeconfig(path: string, port: number, token = 'not-a-real-token'): string {
  writeFileSync(
    path,
    `apiVersion: v1
kind: Config
clusters: [{name: host, cluster: {server: "https://127.0.0.1:${port}"}}]
users: [{name: u, user: {token: ${token}}}]
contexts: [{name: host, context: {cluster: host, user: u}}]
current-context: host
`,
  );
  return path;
}
