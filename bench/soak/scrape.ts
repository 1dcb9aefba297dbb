// Reads what the soak samples from the operator: /proc for RSS, /metrics for
// the heap and native memory, reconcile-duration histograms and work-queue depths.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import type { Histogram, QueueAgeSample } from './analysis.ts';

export interface Scrape {
  heapUsedMB: number;
  externalMB: number;
  arrayBuffersMB: number;
  queueDepth: Record<string, number>;
  queueAges: Record<string, QueueAgeSample>;
  reconcile: Record<string, Histogram>;
}

/** `name{a="x",b="y"} value` lines of the Prometheus text format. */
function metricLines(text: string, name: string): { labels: Record<string, string>; value: number }[] {
  const lines: { labels: Record<string, string>; value: number }[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)/.exec(line);
    if (!match || match[1] !== name) continue;
    const labels = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]));
    lines.push({ labels, value: Number(match[3]) });
  }
  return lines;
}

/** The soak's view of one /metrics page; throws when the runtime's metrics are missing, which would make every check vacuous. */
export function parseMetrics(text: string): Scrape {
  const heap = metricLines(text, 'cloud_empire_nodejs_heap_size_used_bytes')[0];
  if (!heap) throw new Error('/metrics has no cloud_empire_nodejs_heap_size_used_bytes: is this the operator?');
  const queueDepth: Record<string, number> = {};
  for (const { labels, value } of metricLines(text, 'cloud_empire_workqueue_depth')) queueDepth[labels.controller] = value;
  const queueAges: Record<string, QueueAgeSample> = {};
  for (const { labels, value } of metricLines(text, 'cloud_empire_workqueue_longest_running_processor_seconds'))
    (queueAges[labels.controller] ??= { longestRunningS: 0, oldestWaitingS: 0 }).longestRunningS = value;
  for (const { labels, value } of metricLines(text, 'cloud_empire_workqueue_oldest_waiting_seconds'))
    (queueAges[labels.controller] ??= { longestRunningS: 0, oldestWaitingS: 0 }).oldestWaitingS = value;
  const reconcile: Record<string, Histogram> = {};
  for (const { labels, value } of metricLines(text, 'cloud_empire_reconcile_duration_seconds_bucket')) {
    const h = (reconcile[labels.controller] ??= { buckets: [], count: 0 });
    h.buckets.push([labels.le === '+Inf' ? Infinity : Number(labels.le), value]);
  }
  for (const { labels, value } of metricLines(text, 'cloud_empire_reconcile_duration_seconds_count')) {
    if (reconcile[labels.controller]) reconcile[labels.controller].count = value;
  }
  for (const h of Object.values(reconcile)) h.buckets.sort((a, b) => a[0] - b[0]);
  const external = metricLines(text, 'cloud_empire_nodejs_external_memory_bytes')[0]?.value ?? NaN;
  const arrayBuffers = metricLines(text, 'cloud_empire_nodejs_array_buffers_bytes')[0]?.value ?? NaN;
  return { heapUsedMB: heap.value / 2 ** 20, externalMB: external / 2 ** 20, arrayBuffersMB: arrayBuffers / 2 ** 20, queueDepth, queueAges, reconcile };
}

/** Anonymous RSS (no mapped files: malloc arenas and V8) and open sockets of a process, from /proc. */
export function procNative(pid: number): { rssAnonMB: number; sockets: number } {
  const anon = /RssAnon:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!anon) throw new Error(`/proc/${pid}/status has no RssAnon line: the operator has exited`);
  let sockets = 0;
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      if (readlinkSync(`/proc/${pid}/fd/${fd}`).startsWith('socket:')) sockets++;
    } catch {
      // Closed between the listing and the read.
    }
  }
  return { rssAnonMB: Number(anon[1]) / 1024, sockets };
}

export async function scrape(port: number): Promise<Scrape> {
  const response = await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(5_000) });
  if (!response.ok) throw new Error(`/metrics answered ${response.status}`);
  return parseMetrics(await response.text());
}
