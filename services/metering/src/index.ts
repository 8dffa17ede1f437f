export { createHourMeter, type HourMeter, type HourMeterDeps } from './hour-meter.js';
export { operatingTime, affectedRange, sampleWindow, narrowWindow, COUNTER_LOOKBACK_MS, type MeterSettings, type Sample, type DayTotal, type DayResult } from './core/operating-time.js';
export { dayOf, dayStartOf, daysBetween, DAY_MS } from './core/days.js';
export type { DailyTotal, SampleSource, SettingsSource, TotalsStore } from './ports.js';
export { modelSettingsSource } from './adapters/model-settings.js';
