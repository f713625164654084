import { describe, expect, it } from 'vitest';
import { niceMax } from './stats-data.ts';

describe('statistics chart', () => {
  it('picks a round axis maximum', () => {
    expect(niceMax(0)).toBe(1);
    expect(niceMax(7)).toBe(10);
    expect(niceMax(130)).toBe(200);
    expect(niceMax(5)).toBe(5);
  });
});
