import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { OPERATOR_NODE_FLAGS } from '../../../src/operator/runtime-flags.ts';

describe('the operator process', () => {
  it('launches the operator with the heap flags the memory benchmark measured', () => {
    const pkg = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', '..', 'package.json'), 'utf8'));
    expect(pkg.scripts.operator).toBe(`node ${OPERATOR_NODE_FLAGS.join(' ')} src/operator/main.ts`);
  });

  it('is the pinned Node 24 LTS, not the machine Node', () => {
    expect(Number(process.versions.node.split('.')[0])).toBe(24);
  });
});
