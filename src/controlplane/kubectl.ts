import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { binaries } from './binaries.ts';

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion, feeding `input` on stdin; never throws on a non-zero exit. */
export function run(command: string, args: string[], options: { input?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env: options.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
    child.stdin.end(options.input ?? '');
  });
}

/**
 * The real kubectl from the cache, against one kubeconfig. Its discovery cache
 * sits beside the kubeconfig: the shared ~/.kube/cache is keyed by host:port,
 * and loopback ports are reused by other clusters from run to run.
 */
export function kubectl(kubeconfigPath: string, args: string[], input?: string): Promise<CommandResult> {
  const cacheDir = join(dirname(kubeconfigPath), '.kube-cache');
  return run(binaries.kubectl(), [`--kubeconfig=${kubeconfigPath}`, `--cache-dir=${cacheDir}`, ...args], { input });
}
