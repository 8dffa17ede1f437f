import { z } from 'zod';
import { idOf } from './ids.js';
import { EpochMs, IsoDate } from './time.js';

const Stored = { createdAt: EpochMs, updatedAt: EpochMs };

/** `HH:MM` on a 24 h clock; `24:00` ends a day. */
const ClockTime = z.string().regex(/^(?:[01]\d|2[0-3]):[0-5]\d$|^24:00$/, 'HH:MM (00:00..24:00)');
const minutesOf = (t: string) => Number(t.slice(0, 2)) * 60 + Number(t.slice(3, 5));

/**
 * One working interval of a weekday, in UTC (ISO weekday: 1 = Monday .. 7 =
 * Sunday). UTC keeps a plan's arithmetic free of zone changes; a planner enters
 * local hours shifted by the region's offset.
 */
export const WorkingHours = z
  .object({ weekday: z.int().min(1).max(7), from: ClockTime, to: ClockTime })
  .refine((h) => minutesOf(h.to) > minutesOf(h.from), { message: 'to must be after from', path: ['to'] });
export type WorkingHours = z.infer<typeof WorkingHours>;

export const WeeklyCalendar = z.object({ weekly: z.array(WorkingHours).max(50) });
export type WeeklyCalendar = z.infer<typeof WeeklyCalendar>;

/** Monday to Friday, 07:00-15:30 UTC: what a technician works when the planner gives no calendar. */
export const DEFAULT_CALENDAR: WeeklyCalendar = {
  weekly: [1, 2, 3, 4, 5].map((weekday) => ({ weekday, from: '07:00', to: '15:30' })),
};

/** Allowed to work on one asset model until a date (inclusive), or for good. */
export const Certification = z.object({
  assetModelId: idOf('assetModel'),
  certification: z.string().trim().min(1).max(200),
  validUntil: IsoDate.optional(),
});
export type Certification = z.infer<typeof Certification>;

const GeoLocation = z.object({ lat: z.number().min(-90).max(90), lon: z.number().min(-180).max(180) });

export const TechnicianInput = z.object({
  name: z.string().trim().min(1).max(200),
  email: z.email().max(320),
  home: GeoLocation,
  serviceRegion: z.string().trim().min(1).max(64),
  /** The station (or regional centre) that replenishes the technician's van. */
  vanParentWarehouseId: idOf('warehouse'),
  calendar: WeeklyCalendar.default(DEFAULT_CALENDAR),
  certifications: z
    .array(Certification)
    .max(200)
    .default([])
    .refine((cs) => new Set(cs.map((c) => c.assetModelId)).size === cs.length, { message: 'one certification per asset model' }),
  active: z.boolean().default(true),
});
export type TechnicianInput = z.input<typeof TechnicianInput>;
export type TechnicianFields = z.output<typeof TechnicianInput>;

export const TechnicianPatch = z.object({
  name: TechnicianInput.shape.name.optional(),
  email: TechnicianInput.shape.email.optional(),
  home: GeoLocation.optional(),
  serviceRegion: TechnicianInput.shape.serviceRegion.optional(),
  calendar: WeeklyCalendar.optional(),
  certifications: TechnicianInput.shape.certifications.optional(),
  active: z.boolean().optional(),
});
export type TechnicianPatch = z.infer<typeof TechnicianPatch>;

export const Technician = z.object({
  id: idOf('technician'),
  name: z.string(),
  email: z.string(),
  home: GeoLocation,
  serviceRegion: z.string(),
  /** The van: a warehouse of level `van` whose stock follows the parts ledger. */
  vanWarehouseId: idOf('warehouse'),
  calendar: WeeklyCalendar,
  certifications: z.array(Certification),
  active: z.boolean(),
  ...Stored,
});
export type Technician = z.infer<typeof Technician>;

export const AbsenceInput = z
  .object({ from: EpochMs, to: EpochMs, reason: z.string().trim().min(1).max(200) })
  .refine((a) => a.to > a.from, { message: 'to must be after from', path: ['to'] });
export type AbsenceInput = z.infer<typeof AbsenceInput>;

export const Absence = z.object({ id: z.string(), technicianId: idOf('technician'), from: EpochMs, to: EpochMs, reason: z.string(), createdAt: EpochMs });
export type Absence = z.infer<typeof Absence>;

/** Assign an order to a technician for a window; refused with the reason when the technician cannot take it. */
export const AssignmentInput = z
  .object({ technicianId: idOf('technician'), windowFrom: EpochMs, windowTo: EpochMs })
  .refine((s) => s.windowTo > s.windowFrom, { message: 'windowTo must be after windowFrom', path: ['windowTo'] });
export type AssignmentInput = z.infer<typeof AssignmentInput>;
