import { describe, expect, it } from 'vitest';
import { axisNumber } from './time.ts';

describe('axis tick labels', () => {
  it('write small numbers with at most two decimals, dropping trailing zeros', () => {
    expect(axisNumber(0)).toBe('0');
    expect(axisNumber(42.5)).toBe('42.5');
    expect(axisNumber(3.14159)).toBe('3.14');
    expect(axisNumber(-7.25)).toBe('-7.25');
    expect(axisNumber(9999)).toBe('9999');
  });

  it('shorten large counts with k, M and G', () => {
    expect(axisNumber(10_000)).toBe('10k');
    expect(axisNumber(125_000)).toBe('125k');
    expect(axisNumber(2_500_000)).toBe('2.5M');
    expect(axisNumber(-3_000_000_000)).toBe('-3G');
  });
});
