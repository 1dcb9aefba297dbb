import { spawn } from 'node:child_process';
import { procStats, RssSampler } from '../../../bench/operator.ts';

describe('the operator benchmark’s RSS reader', () => {
  it('reads this process, and throws instead of reporting 0 MB for a missing or exited one', async () => {
    expect(procStats(process.pid).rssMB).toBeGreaterThan(10);
    expect(() => procStats(undefined)).toThrow('did not start');
    const child = spawn(process.execPath, ['-e', '0']);
    await new Promise((r) => child.on('close', r));
    expect(() => procStats(child.pid)).toThrow();
  });

  it('fails the run when a sample could not be read, even after good ones', async () => {
    const good = new RssSampler(() => process.pid, 10);
    await new Promise((r) => setTimeout(r, 50));
    expect(good.stop()).toBeGreaterThan(10);
    let pid: number | undefined = process.pid;
    const failing = new RssSampler(() => pid, 10);
    await new Promise((r) => setTimeout(r, 30));
    pid = undefined;
    await new Promise((r) => setTimeout(r, 30));
    expect(() => failing.stop()).toThrow("could not read the operator's RSS");
    expect(() => new RssSampler(() => process.pid, 10_000).stop()).toThrow('no RSS sample');
  });
});
