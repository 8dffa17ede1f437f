import { describe, expect, it } from 'vitest';
import { closestPartNumbers, editDistance } from './edit-distance.js';

describe('editDistance', () => {
  it('counts one substitution, insertion, deletion or adjacent swap as 1', () => {
    expect(editDistance('FLT-100', 'FLT-100')).toBe(0);
    expect(editDistance('FLT-100', 'FLT-10O')).toBe(1); // wrong letter
    expect(editDistance('FLT-100', 'FLT-1000')).toBe(1); // extra
    expect(editDistance('FLT-100', 'FL-100')).toBe(1); // missing
    expect(editDistance('FLT-100', 'FTL-100')).toBe(1); // swapped
    expect(editDistance('abc', 'ABC')).toBe(0); // case-insensitive
    expect(editDistance('', 'ABC')).toBe(3);
    expect(editDistance('KITTEN', 'SITTING')).toBe(3);
  });
});

describe('closestPartNumbers', () => {
  const catalogue = ['BRG-6205', 'BRG-6206', 'BRG-6305', 'SEAL-22', 'FLT-100'];
  it('ranks by distance, then part number, and drops far candidates', () => {
    expect(closestPartNumbers('BRG-6250', catalogue)).toEqual([
      { partNumber: 'BRG-6205', distance: 1 },
      { partNumber: 'BRG-6206', distance: 2 },
      { partNumber: 'BRG-6305', distance: 2 },
    ]);
    expect(closestPartNumbers('XYZ', catalogue)).toEqual([]);
  });
  it('honours the limit and de-duplicates', () => {
    expect(closestPartNumbers('BRG-620', [...catalogue, 'BRG-6205'], { limit: 2 }).map((s) => s.partNumber)).toEqual(['BRG-6205', 'BRG-6206']);
  });
});
