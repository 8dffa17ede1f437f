import { dbTargets, useDbTarget } from '@hourmeter/db/testing';
import { createReliabilityService } from '@hourmeter/prediction';
import { tempDir } from '@hourmeter/testkit';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { loadDemoFleet } from './demo.js';
import { seedDemoHistory } from './demo-history.js';

const logger = pino({ level: 'silent' });
const NOW = Date.parse('2026-12-07T12:00:00Z');

describe.each(dbTargets())('demo history on $name', (target) => {
  const t = useDbTarget(target);
  if (!t) return;
  it('gives every demo asset a RUL and a failure probability from a trained model, on the first start', async () => {
    const dir = tempDir();
    try {
      const fleet = (await loadDemoFleet(t.repos, dir.path, logger, NOW))!;
      const reliability = createReliabilityService({ repos: t.repos, logger, now: () => NOW });
      const res = await seedDemoHistory({ repos: t.repos, reliability, assetIds: fleet.devices.map((d) => d.assetId), now: NOW, telemetryFrom: NOW - 86_400_000, logger });
      expect(res.failures).toBeGreaterThan(10);
      expect(res.models.length).toBeGreaterThanOrEqual(3);
      expect(res.models.every((m) => m.status === 'trained')).toBe(true);
      for (const d of fleet.devices) {
        const estimates = await reliability.assetEstimates(d.assetId);
        expect(estimates.length).toBeGreaterThan(0);
        for (const e of estimates) {
          expect(e.status).toBe('estimated');
          expect(e.rulHours).toBeGreaterThan(0);
          expect(e.failureProbability).toBeGreaterThan(0);
          expect(e.failureProbability).toBeLessThan(1);
          expect(e.modelVersion).toMatch(new RegExp(`^${d.model}/${e.failureMode}@weibull-v1$`));
        }
      }
      // Only the first start seeds: the demo fleet is loaded once.
      const again = await loadDemoFleet(t.repos, dir.path, logger);
      expect(again).toBeUndefined();
    } finally {
      dir.cleanup();
    }
  }, 180_000);
});
