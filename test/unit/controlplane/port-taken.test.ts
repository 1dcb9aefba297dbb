import { portTaken, StartupError } from '../../../src/controlplane/process.ts';

describe('portTaken', () => {
  it('recognizes a server that could not bind the port found free for it', () => {
    // As kube-apiserver and etcd report it, in the log tail a StartupError carries.
    const apiserver = new StartupError(
      'kube-apiserver of madrid: kube-apiserver(madrid) exited early; last log lines:\nE1201 16:42:20.769259 run.go:72] "command failed" err="failed to create listener: failed to listen on 127.0.0.1:36917: listen tcp 127.0.0.1:36917: bind: address already in use"',
    );
    const etcd = new StartupError(
      'etcd: etcd exited early; last log lines:\n{"level":"fatal","msg":"listener failed","error":"listen tcp 127.0.0.1:40001: bind: address already in use"}',
    );
    expect(portTaken(apiserver)).toBe(true);
    expect(portTaken(etcd)).toBe(true);
  });

  it('leaves every other failure to fail the start', () => {
    expect(portTaken(new StartupError('kube-apiserver of paris: not ready within 60000 ms'))).toBe(false);
    expect(portTaken(new Error('ENOENT: no such file or directory, open kube-apiserver'))).toBe(false);
    expect(portTaken('address already in use')).toBe(false);
    expect(portTaken(undefined)).toBe(false);
  });
});
