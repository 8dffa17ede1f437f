import type { CompletedWork, DowntimeEvent, ServiceCost, WorkOrderFacts } from '../ports.js';

/**
 * Work-order facts held in memory: for tests, demos and deployments that run
 * without the work-order service. Implements every port contracts reads from it.
 */
export function staticWorkOrderFacts(init: { downtime?: DowntimeEvent[]; work?: CompletedWork[]; costs?: ServiceCost[] } = {}) {
  const downtime = [...(init.downtime ?? [])];
  const work = [...(init.work ?? [])];
  const costs = [...(init.costs ?? [])];
  const source: WorkOrderFacts = {
    async unplannedDowntime(assetIds, from, to) {
      return downtime.filter((e) => assetIds.includes(e.assetId) && e.to > from && e.from < to);
    },
    async completedWork(assetIds, from, to) {
      return work.filter((w) => assetIds.includes(w.assetId) && w.completedAt >= from && w.completedAt < to);
    },
    async costs(assetIds, from, to) {
      return costs.filter((c) => (assetIds === 'all' || assetIds.includes(c.assetId)) && c.at >= from && c.at < to);
    },
  };
  return {
    ...source,
    addDowntime: (e: DowntimeEvent) => void downtime.push(e),
    /** A corrected window of a work order's downtime (as a correction on the work order would). */
    correctDowntime(workOrderId: string, window: { from: number; to: number }) {
      const e = downtime.find((d) => d.workOrderId === workOrderId);
      if (!e) throw new Error(`no downtime of ${workOrderId}`);
      Object.assign(e, window);
    },
    addWork: (w: CompletedWork) => void work.push(w),
    addCost: (c: ServiceCost) => void costs.push(c),
  };
}
