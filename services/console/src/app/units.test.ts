import { describe, expect, it } from 'vitest';
import { unitOf } from './units';

describe('unitOf', () => {
  it('reads the unit from the suffix, longest first, and keeps an unknown metric on its own', () => {
    expect(unitOf('vib_1x_mm_s')).toBe('mm/s');
    expect(unitOf('oil_temp_c')).toBe('°C');
    expect(unitOf('motor_current_a')).toBe('A');
    expect(unitOf('discharge_pressure_bar')).toBe('bar');
    expect(unitOf('running')).toBe('running');
    expect(unitOf('oil_temp')).not.toBe(unitOf('winding_temp'));
  });
});
