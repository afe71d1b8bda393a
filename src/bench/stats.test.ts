import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { summarize } from './stats.js';

describe('summarize', () => {
  it('gives min, median and max of odd and even sample counts without reordering the input', () => {
    const odd = [3, 1, 2];
    assert.deepEqual(summarize(odd), { min: 1, median: 2, max: 3, n: 3 });
    assert.deepEqual(odd, [3, 1, 2]);
    assert.deepEqual(summarize([4, 1, 3, 2]), { min: 1, median: 2.5, max: 4, n: 4 });
  });

  it('refuses an empty sample set', () => {
    assert.throws(() => summarize([]), /no samples/);
  });
});
