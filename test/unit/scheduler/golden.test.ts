// The whole decision for the shipped examples, pinned: placements with their nodes, every cluster's refusal or
// per-plugin scores, every refused pool, the reservations. `empirectl explain` prints exactly this (its own tests
// spawn the CLI, which a mutation run cannot see into); any change to what the scheduler decides or says for them
// shows here as a diff to review. `UPDATE_GOLDEN=1` rewrites the files after an intended change.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { FederatedWorkload } from '../../../src/api/generated/types.ts';
import { parseFederationFile } from '../../../src/cli/federation-snapshot.ts';
import { REPO_ROOT } from '../../../src/controlplane/binaries.ts';
import { scheduleAll } from '../../../src/scheduler/schedule.ts';
import { buildSnapshot } from '../../../src/scheduler/snapshot-builder.ts';

const NOW = Date.parse('2026-12-01T00:00:00Z');
const SNAPSHOT = join(REPO_ROOT, 'examples', 'snapshot', 'federation.yaml');
const GOLDEN = join(REPO_ROOT, 'test', 'unit', 'scheduler', 'golden');
const example = (name: string) => parse(readFileSync(join(REPO_ROOT, 'examples', 'workloads', `${name}.yaml`), 'utf8')) as FederatedWorkload;
const federation = () => parseFederationFile(readFileSync(SNAPSHOT, 'utf8'), SNAPSHOT);

const variants: Record<string, () => FederatedWorkload[]> = {
  'llm-inference': () => [example('llm-inference')],
  'llm-inference-de-only': () => {
    const w = example('llm-inference');
    (w.spec.placement!.countries as { include: string[] }).include = ['DE'];
    return [w];
  },
  'production-line-agent': () => [example('production-line-agent')],
  'production-line-agent-docker-hub': () => {
    const w = example('production-line-agent');
    (w.spec.template.spec as { template: { spec: { containers: { image: string }[] } } }).template.spec.containers[0].image =
      'docker.io/factory/line-agent:1.4.2';
    w.spec.placement = { ...w.spec.placement, spreadConstraints: [{ by: 'country', minGroups: 2 }] };
    return [w];
  },
  'mig-batch': () => [example('mig-batch')],
  // Decided in order, each against what the ones before took, until the pool is full.
  'five-inference-jobs': () =>
    ['a', 'b', 'c', 'd', 'e'].map((suffix) => {
      const w = example('llm-inference');
      return { ...w, metadata: { ...w.metadata, name: `llm-${suffix}` } };
    }),
};

describe('the examples, decided as explain shows them', () => {
  it.each(Object.keys(variants))('%s', (name) => {
    const { decisions } = scheduleAll(variants[name](), buildSnapshot(federation(), NOW), () => ({}));
    const text = `${JSON.stringify(JSON.parse(JSON.stringify(decisions)), null, 2)}\n`;
    const file = join(GOLDEN, `${name}.json`);
    if (process.env.UPDATE_GOLDEN === '1') writeFileSync(file, text);
    if (!existsSync(file)) throw new Error(`${file} is missing: write it with UPDATE_GOLDEN=1 and review it`);
    expect(text).toBe(readFileSync(file, 'utf8'));
  });
});
