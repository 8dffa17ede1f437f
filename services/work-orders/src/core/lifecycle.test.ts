import { describe, expect, it } from 'vitest';
import { assertTransition, canTransition } from './lifecycle.js';
import { scheduleDue } from './schedules.js';

describe('work-order lifecycle', () => {
  it('allows open -> scheduled -> in_progress -> completed and cancelling active orders', () => {
    expect(canTransition('open', 'scheduled')).toBe(true);
    expect(canTransition('scheduled', 'in_progress')).toBe(true);
    expect(canTransition('in_progress', 'completed')).toBe(true);
    for (const s of ['open', 'scheduled', 'in_progress'] as const) expect(canTransition(s, 'cancelled')).toBe(true);
  });
  it('refuses skipping steps and leaving final states', () => {
    expect(canTransition('open', 'in_progress')).toBe(false);
    expect(canTransition('open', 'completed')).toBe(false);
    expect(canTransition('cancelled', 'completed')).toBe(false);
    expect(canTransition('completed', 'cancelled')).toBe(false);
    expect(() => assertTransition({ id: 'wo_1', state: 'cancelled' }, 'completed')).toThrow(/cancelled; it cannot move to completed/);
  });
});

describe('preventive schedules', () => {
  const day = 86_400_000;
  const s = { intervalDays: 90, intervalHours: 500, lastDoneAt: 0, lastDoneHours: 1000, active: true };
  it('is due by calendar, by hours, or both', () => {
    expect(scheduleDue(s, 89 * day, 1499)).toEqual({ due: false, by: [] });
    expect(scheduleDue(s, 90 * day, 1499)).toEqual({ due: true, by: ['calendar'] });
    expect(scheduleDue(s, 10 * day, 1500)).toEqual({ due: true, by: ['hours'] });
    expect(scheduleDue(s, 90 * day, 1500)).toEqual({ due: true, by: ['calendar', 'hours'] });
    expect(scheduleDue({ ...s, intervalDays: undefined }, 1000 * day, 1200)).toEqual({ due: false, by: [] });
    expect(scheduleDue({ ...s, active: false }, 1000 * day, 9999).due).toBe(false);
  });
});
