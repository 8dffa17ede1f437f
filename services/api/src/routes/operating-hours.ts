import type { DailyOperatingTime, Repositories } from '@hourmeter/db';
import { AppError } from '@hourmeter/runtime';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { HourMeterControl } from '../ports.js';
import { IdParams } from '@hourmeter/http';
import { IsoDay } from './query-params.js';
import { localDayTotals, TimeZone, utcDaysAround } from '@hourmeter/domain';

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
const MAX_DAYS = 400;

const Day = z.object({
  day: z.string(),
  hours: z.number().describe('operatingMs / 3,600,000'),
  operatingMs: z.number(),
  samples: z.number(),
  gapMs: z.number().describe('time between samples further apart than the gap limit: not counted'),
  counterResets: z.number(),
  firstSampleTs: z.number().nullable(),
  lastSampleTs: z.number().nullable(),
  version: z.number(),
  computedAt: z.number(),
});

const toDay = (d: DailyOperatingTime) => ({
  day: d.day,
  hours: d.operatingMs / HOUR_MS,
  operatingMs: d.operatingMs,
  samples: d.samples,
  gapMs: d.gapMs,
  counterResets: d.counterResets,
  firstSampleTs: d.firstSampleTs,
  lastSampleTs: d.lastSampleTs,
  version: d.version,
  computedAt: d.computedAt,
});

const dayMs = (day: string) => Date.parse(`${day}T00:00:00Z`);
const DayRange = z.object({ from: IsoDay, to: IsoDay });

function checkRange(from: string, to: string): void {
  if (from > to) throw new AppError('VALIDATION_FAILED', 'from must not be after to');
  if ((dayMs(to) - dayMs(from)) / DAY_MS >= MAX_DAYS) throw new AppError('VALIDATION_FAILED', `at most ${MAX_DAYS} days per request`);
}

export interface OperatingHoursRouteDeps {
  repos: Repositories;
  hourMeter: HourMeterControl;
}

/** The hour meter: daily operating time per asset, the lifetime reading, and each day's audit trail. */
export function operatingHoursRoutes(parent: FastifyInstance, deps: OperatingHoursRouteDeps): void {
  const app = parent.withTypeProvider<ZodTypeProvider>();
  const tags = ['operating-hours'];

  app.get('/assets/:id/operating-hours', {
    schema: {
      tags,
      summary: "Operating hours per UTC day, the period total and the lifetime meter reading; with `timeZone`, also the same readings per day of that zone's clock",
      params: IdParams,
      querystring: z.object({
        from: IsoDay.optional().describe('default: 30 days before `to`'),
        to: IsoDay.optional().describe('default: today (UTC)'),
        timeZone: TimeZone.optional().describe('IANA zone: `localDays` cuts the stored UTC figures at its midnights (23 or 25 h on daylight-saving days), and `periodHours` sums them'),
      }),
      response: {
        200: z.object({
          assetId: z.string(),
          from: z.string(),
          to: z.string(),
          timeZone: z.string(),
          periodHours: z.number(),
          lifetimeHours: z.number(),
          days: z.array(Day),
          localDays: z.array(z.object({ day: z.string(), hours: z.number(), operatingMs: z.number() })).optional(),
        }),
      },
    },
    handler: async (req) => {
      await deps.repos.assets.get(req.params.id);
      const to = req.query.to ?? new Date().toISOString().slice(0, 10);
      const from = req.query.from ?? new Date(dayMs(to) - 30 * DAY_MS).toISOString().slice(0, 10);
      checkRange(from, to);
      const days = await deps.repos.operatingHours.days(req.params.id, from, to);
      const lifetime = await deps.repos.operatingHours.totalMs(req.params.id);
      const zone = req.query.timeZone ?? 'UTC';
      const base = { assetId: req.params.id, from, to, timeZone: zone, lifetimeHours: lifetime / HOUR_MS, days: days.map(toDay) };
      if (zone === 'UTC') return { ...base, periodHours: days.reduce((sum, d) => sum + d.operatingMs, 0) / HOUR_MS };
      // Local days [from, to] take quarter hours from the UTC days either side too.
      const around = utcDaysAround(from, to);
      const local = [...localDayTotals(await deps.repos.operatingHours.days(req.params.id, around.from, around.to), zone)].filter(([day]) => day >= from && day <= to);
      return {
        ...base,
        periodHours: local.reduce((sum, [, ms]) => sum + ms, 0) / HOUR_MS,
        localDays: local.map(([day, ms]) => ({ day, hours: ms / HOUR_MS, operatingMs: ms })),
      };
    },
  });

  app.get('/assets/:id/operating-hours/:day', {
    schema: {
      tags,
      summary: "One day's audit trail: every version of its total, the rule used, and the readings it came from",
      params: IdParams.extend({ day: IsoDay }),
      response: {
        200: z.object({
          assetId: z.string(),
          day: z.string(),
          settings: z.unknown().describe('running rule and gap limit of the current version'),
          versions: z.array(Day),
          readings: z
            .object({ metric: z.string(), points: z.array(z.tuple([z.number(), z.number()])) })
            .nullable()
            .describe(
              'the readings the day is computed from: for counters also those around it that decide the credits of its change points and of the later ones reaching into it (up to 7 days either side)',
            ),
        }),
      },
    },
    handler: async (req) => {
      const { id, day } = req.params;
      await deps.repos.assets.get(id);
      const versions = await deps.repos.operatingHours.versions(id, day);
      const current = versions.at(-1);
      if (!current) throw new AppError('NOT_FOUND', `no operating time recorded for asset ${id} on ${day}`);
      // Exactly the readings the meter computes the day from with the version's rule: the meter knows which.
      return {
        assetId: id,
        day,
        settings: JSON.parse(current.settings) as unknown,
        versions: versions.map(toDay),
        readings: await deps.hourMeter.readingsBehind(id, day, current.settings),
      };
    },
  });

  app.post('/assets/:id/operating-hours/recompute', {
    config: { allow: ['engineer'] },
    schema: {
      tags,
      summary:
        "Recompute days from the stored readings with the model's current rule (after a rule change or a repair), and the earlier days counter credits reach; unchanged days get no new version",
      params: IdParams,
      body: DayRange,
      response: { 200: z.object({ assetId: z.string(), days: z.array(Day) }) },
    },
    handler: async (req) => {
      await deps.repos.assets.get(req.params.id);
      checkRange(req.body.from, req.body.to);
      await deps.hourMeter.recompute(req.params.id, req.body.from, req.body.to);
      const days = await deps.repos.operatingHours.days(req.params.id, req.body.from, req.body.to);
      return { assetId: req.params.id, days: days.map(toDay) };
    },
  });
}
