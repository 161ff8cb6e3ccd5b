import { describe, expect, it } from 'vitest';
import { change } from './charts';

describe('overview figures', () => {
  it('compares with the previous period', () => {
    expect(change(150, 100)).toBeCloseTo(0.5);
    expect(change(50, 100)).toBeCloseTo(-0.5);
    expect(change(0, 0)).toBe(0);
    // Nothing before: no percentage to show, rather than an infinite one.
    expect(change(10, 0)).toBeUndefined();
  });
});
