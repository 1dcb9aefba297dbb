import { readFileSync } from 'node:fs';

/** Summary statistics over samples, for benchmark JSON. */
export interface Summary {
  n: number;
  min: number;
  p50: number;
  p99: number;
  max: number;
  mean: number;
}

export function quantile(sorted: number[], q: number): number {
  if (!sorted.length) return NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[index];
}

export function summarize(samples: number[], digits = 1): Summary {
  const sorted = [...samples].sort((a, b) => a - b);
  const round = (x: number) => Number(x.toFixed(digits));
  return {
    n: sorted.length,
    min: round(sorted[0]),
    p50: round(quantile(sorted, 0.5)),
    p99: round(quantile(sorted, 0.99)),
    max: round(sorted[sorted.length - 1]),
    mean: round(sorted.reduce((a, b) => a + b, 0) / sorted.length),
  };
}

/** Runs `work` over `items`, at most `width` at a time. */
export async function inParallel<T>(items: T[], width: number, work: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) await work(items[next++]);
    }),
  );
}

/** Resident set size of a process in MiB, from /proc (Linux); 0 when it is gone. */
export function rssMiB(pid: number | undefined): number {
  if (!pid) return 0;
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

/** `measure` of each process summed per kind of process (`kube-apiserver(paris)` counts as kube-apiserver). */
export function sumByKind(
  processes: readonly { name: string; pid: number | undefined }[],
  measure: (pid: number | undefined) => number,
): Record<string, number> {
  const sums: Record<string, number> = {};
  for (const p of processes) {
    const kind = p.name.replace(/\(.*\)$/, '');
    sums[kind] = Number(((sums[kind] ?? 0) + measure(p.pid)).toFixed(1));
  }
  return sums;
}

/** CPU time (user + system) a process has used, in seconds, from /proc (Linux; 100 ticks per second); 0 when it is gone. */
export function cpuSeconds(pid: number | undefined): number {
  if (!pid) return 0;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}
