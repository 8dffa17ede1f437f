import type { MaintenanceSchedule } from '@hourmeter/domain';

const DAY_MS = 86_400_000;

export interface ScheduleDue {
  due: boolean;
  /** What made it due: the calendar, the hour meter, or both. */
  by: ('calendar' | 'hours')[];
}

/** A schedule is due when either its calendar interval or its operating-hours interval has elapsed. */
export function scheduleDue(s: Pick<MaintenanceSchedule, 'intervalDays' | 'intervalHours' | 'lastDoneAt' | 'lastDoneHours' | 'active'>, now: number, meterHours: number): ScheduleDue {
  if (!s.active) return { due: false, by: [] };
  const by: ScheduleDue['by'] = [];
  if (s.intervalDays !== undefined && now >= s.lastDoneAt + s.intervalDays * DAY_MS) by.push('calendar');
  if (s.intervalHours !== undefined && meterHours >= s.lastDoneHours + s.intervalHours) by.push('hours');
  return { due: by.length > 0, by };
}
