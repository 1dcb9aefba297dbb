// Replica division at its edges: remainders to the earlier cluster, overflow
// shared again from what was already there, the largest free cluster first.
import { aggregated, divide, proportional, splitCompletions } from '../../../src/scheduler/divide.ts';

describe('proportional division', () => {
  it('gives remainders by size, ties to the earlier cluster', () => {
    expect(proportional([10, 10, 10], [1, 1, 1], 10)).toEqual([4, 3, 3]);
    expect(proportional([10, 10, 10], [1, 2, 1], 10)).toEqual([3, 5, 2]);
    expect(proportional([10, 10, 10], [1, 1, 3], 7)).toEqual([2, 1, 4]);
    // Remainders .2, .4, .4: the larger goes first, and of the equal ones the earlier cluster.
    expect(proportional([10, 10, 10], [3, 1, 1], 7)).toEqual([4, 2, 1]);
  });

  it('fills a cluster that overflows, counting what it holds already, and shares the rest again', () => {
    expect(proportional([2, 10, 10], [1, 1, 1], 9)).toEqual([2, 4, 3]);
    expect(proportional([4, 10], [1, 1], 8, [2, 0])).toEqual([4, 6]);
    expect(proportional([1, 1], [1, 1], 3)).toBeUndefined();
  });
});

describe('aggregated division', () => {
  it('fills the cluster with the most free first, ties in preference order', () => {
    expect(aggregated([3, 5, 5], 7)).toEqual([0, 5, 2]);
    expect(aggregated([3, 5, 5], 7, [0, 4, 0])).toEqual([2, 4, 5]);
    expect(aggregated([3, 5], 9)).toBeUndefined();
    expect(aggregated([6, 5], 4, [3, 0])).toEqual([3, 4]);
    expect(aggregated([5, 5], 8, [0, 3])).toBeUndefined();
  });
});

describe('division preferences', () => {
  it('Dynamic weighs what is free now', () => {
    expect(divide('Dynamic', [10, 10], 4, undefined, [8, 0])).toEqual([9, 3]);
  });

  it('split completions by parallelism, none when no cluster has a share', () => {
    expect(splitCompletions([1, 3], 8)).toEqual([2, 6]);
    expect(splitCompletions([0, 0], 5)).toEqual([0, 0]);
  });
});
