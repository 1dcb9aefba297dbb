import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { closedIntervals, MeteringLog, meteringPath } from '../../../src/audit/metering-log.ts';
import { meter, observeMember, type GpuPod } from '../../../src/audit/metering.ts';

const H = 3_600_000;
const T = Date.parse('2026-11-02T08:00:00Z');
const pod = (uid: string, cluster = 'paris', overrides: Partial<GpuPod> = {}): GpuPod => ({
  uid,
  memberCluster: cluster,
  pod: `team/${uid}`,
  namespace: 'team',
  name: 'job',
  nodeName: 'n1',
  pool: 'h100',
  resourceName: 'nvidia.com/gpu',
  gpus: 2,
  startedAt: T,
  pricePerGpuHour: 3,
  txId: 'tx-1',
  ...overrides,
});

describe('meter', () => {
  it('turns a pod running from start to end into one interval with its GPU-hours and cost', () => {
    const { open, closed } = meter([
      { type: 'running', at: T, pod: pod('a') },
      { type: 'running', at: T + H, pod: pod('a') }, // seen again: nothing new
      { type: 'stopped', at: T + 1.5 * H, uid: 'a' },
      { type: 'stopped', at: T + 2 * H, uid: 'a' }, // already closed
    ]);
    expect(open.size).toBe(0);
    expect(closed).toEqual([
      expect.objectContaining({
        intervalId: 'a@2026-11-02T08:00:00.000Z',
        start: T,
        end: T + 1.5 * H,
        gpuHours: 3,
        cost: 9,
        txId: 'tx-1',
        endEstimated: false,
      }),
    ]);
  });

  it('closes the old interval when a pod restarts under the same uid, and never ends before it began', () => {
    const first = meter([{ type: 'running', at: T, pod: pod('a') }]);
    const second = meter(
      [
        { type: 'running', at: T + H, pod: pod('a', 'paris', { startedAt: T + H }) },
        { type: 'stopped', at: T, uid: 'a' },
      ],
      first.open,
    );
    expect(first.open.size).toBe(1); // the state passed in is not modified
    expect(second.closed.map((c) => [c.start, c.end, c.gpuHours])).toEqual([
      [T, T + H, 2],
      [T + H, T + H, 0],
    ]);
  });

  it('observes one member at a time, level-based', () => {
    const { open } = meter(observeMember(new Map(), 'paris', [pod('a'), pod('b')], T));
    const other = meter(observeMember(open, 'madrid', [pod('m', 'madrid')], T), open);
    expect([...other.open.keys()].sort()).toEqual(['a', 'b', 'm']);
    expect(observeMember(other.open, 'paris', [pod('a'), pod('b')], T + H)).toEqual([]);
    // b is gone from paris; madrid's interval is not touched by a paris observation.
    expect(observeMember(other.open, 'paris', [pod('a')], T + H)).toEqual([{ type: 'stopped', at: T + H, uid: 'b', estimated: false }]);
  });
});

describe('MeteringLog', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'metering-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps closed intervals and resumes open ones after a restart, cutting a torn last line', async () => {
    const log = MeteringLog.open(dir);
    const started = meter([
      { type: 'running', at: T, pod: pod('a') },
      { type: 'running', at: T, pod: pod('b') },
    ]);
    log.append(started.opened, started.closed);
    const stopped = meter([{ type: 'stopped', at: T + H, uid: 'a' }], log.open);
    log.append(stopped.opened, stopped.closed);
    log.close();
    appendFileSync(meteringPath(dir), '{"t":"closed","record":{"intervalI'); // a crash mid-append

    const reopened = MeteringLog.open(dir);
    expect([...reopened.open.keys()]).toEqual(['b']);
    reopened.close();
    expect(readFileSync(meteringPath(dir), 'utf8').endsWith('\n')).toBe(true);
    const closed = [];
    for await (const interval of closedIntervals(dir)) closed.push(interval);
    expect(closed).toEqual([expect.objectContaining({ pod: 'team/a', gpuHours: 2 })]);
  });

  it('refuses a journal damaged before its last line', () => {
    appendFileSync(meteringPath(dir), 'garbage\n{"t":"open","interval":{}}\n');
    expect(() => MeteringLog.open(dir)).toThrow(/line 1 is not a complete record/);
  });
});
