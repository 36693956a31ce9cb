import { describe, expect, it } from 'vitest';
import { KeyIndexes } from './key-indexes.js';

describe('KeyIndexes', () => {
  it('finds keys by index, and a key that leaves takes every membership with it', () => {
    const ix = new KeyIndexes();
    expect(ix.add('byUser', 'u1', 's1')).toBe(true);
    expect(ix.add('byUser', 'u1', 's1')).toBe(false);
    ix.add('byUser', 'u1', 's2');
    ix.add('byRole', 'admin', 's1');
    expect(ix.keys('byUser', 'u1').sort()).toEqual(['s1', 's2']);
    expect(ix.memberships('s1')).toEqual([
      { indexName: 'byUser', indexKey: 'u1' },
      { indexName: 'byRole', indexKey: 'admin' },
    ]);
    expect(ix.footprint()).toBe(3);
    ix.drop('s1');
    expect(ix.keys('byUser', 'u1')).toEqual(['s2']);
    expect(ix.keys('byRole', 'admin')).toEqual([]);
    expect(ix.memberships('s1')).toEqual([]);
    ix.remove('byUser', 'u1', 's2');
    expect(ix.footprint()).toBe(0);
    ix.remove('byUser', 'u1', 'absent');
    ix.drop('absent');
  });

  it('storage does not grow as indexed keys churn (slots are reused)', () => {
    const ix = new KeyIndexes();
    for (let i = 0; i < 10_000; i++) {
      ix.add('byUser', `u${i % 7}`, `k${i}`);
      ix.add('all', 'x', `k${i}`);
      if (i >= 100) ix.drop(`k${i - 100}`);
    }
    expect(ix.footprint()).toBe(200);
    for (let i = 9_900; i < 10_000; i++) ix.drop(`k${i}`);
    expect(ix.footprint()).toBe(0);
    ix.add('a', 'b', 'k');
    ix.clear();
    expect(ix.footprint()).toBe(0);
    expect(ix.keys('a', 'b')).toEqual([]);
  });
});
