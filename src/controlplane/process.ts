import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, createWriteStream, openSync, readFileSync, type WriteStream } from 'node:fs';
import { createServer } from 'node:net';

/** Every process this module started and has not yet seen exit, by pid. */
const running = new Map<number, ChildProcess>();

// A harness that dies on an exception must not leave control planes behind:
// on exit, kill what we started (by pid, nothing else).
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const pid of running.keys()) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  });
}

export class ManagedProcess {
  readonly name: string;
  readonly logFile: string;
  private readonly child: ChildProcess;
  private readonly log: WriteStream;
  readonly exited: Promise<number | null>;
  private exitCode: number | null | undefined;

  /**
   * `detached` leaves the process running after this one exits (a
   * development network started by a script): it writes its log file
   * directly and is not killed by the exit hook.
   */
  constructor(
    name: string,
    command: string,
    args: string[],
    logFile: string,
    env: NodeJS.ProcessEnv = process.env,
    options: { cwd?: string; detached?: boolean } = {},
  ) {
    installExitHook();
    this.name = name;
    this.logFile = logFile;
    this.log = createWriteStream(logFile, { flags: 'a' });
    if (options.detached) {
      const fd = openSync(logFile, 'a');
      this.child = spawn(command, args, { stdio: ['ignore', fd, fd], env, cwd: options.cwd, detached: true });
      closeSync(fd);
      this.child.unref();
    } else {
      this.child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env, cwd: options.cwd });
      this.child.stdout!.pipe(this.log, { end: false });
      this.child.stderr!.pipe(this.log, { end: false });
      if (this.child.pid) running.set(this.child.pid, this.child);
    }
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        if (this.child.pid) running.delete(this.child.pid);
        this.exitCode = code ?? (signal ? -1 : null);
        resolve(this.exitCode);
      });
      this.child.once('error', (error) => {
        this.log.write(`\n[harness] failed to start ${command}: ${error.message}\n`);
        this.exitCode = -1;
        resolve(-1);
      });
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get alive(): boolean {
    return this.exitCode === undefined;
  }

  /** The last lines of the process's log, for error messages. */
  tail(lines = 20): string {
    try {
      return readFileSync(this.logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    } catch {
      return '';
    }
  }

  /** SIGTERM, then SIGKILL after `graceMs`; resolves when the process is gone. */
  async stop(graceMs = 5000): Promise<void> {
    if (this.alive && this.child.pid) {
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
      await this.exited;
      clearTimeout(timer);
    }
    await new Promise<void>((resolve) => this.log.end(resolve));
  }

  /** Stops at once, for processes whose state does not matter (etcd in tests with no fsync). */
  async kill(): Promise<void> {
    if (this.alive) this.child.kill('SIGKILL');
    await this.exited;
    await new Promise<void>((resolve) => this.log.end(resolve));
  }
}

/** A port free on 127.0.0.1 right now. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

export class StartupError extends Error {}

/** How often a local server is started on fresh ports when the ones found free were taken before it bound them. */
export const START_ATTEMPTS = 3;

/**
 * Whether a start failed because a process could not bind its port (the log tail in the error says so):
 * a port found free can be taken before the server binds it, e.g. by another process's outgoing
 * connection given the same ephemeral port.
 */
export function portTaken(error: unknown): boolean {
  return error instanceof Error && /address already in use/.test(error.message);
}

/** Polls `check` until it resolves true, failing early if the process exits. */
export async function waitFor(
  what: string,
  check: () => Promise<boolean>,
  options: { timeoutMs: number; intervalMs?: number; process?: ManagedProcess },
): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  let lastError = '';
  while (Date.now() < deadline) {
    if (options.process && !options.process.alive) {
      throw new StartupError(`${what}: ${options.process.name} exited early; last log lines:\n${options.process.tail()}`);
    }
    try {
      if (await check()) return;
    } catch (error) {
      lastError = (error as Error).message;
    }
    await new Promise((r) => setTimeout(r, options.intervalMs ?? 100));
  }
  const tail = options.process ? `\nlast log lines of ${options.process.name}:\n${options.process.tail()}` : '';
  throw new StartupError(`${what}: not ready after ${options.timeoutMs} ms${lastError ? ` (${lastError})` : ''}${tail}`);
}
