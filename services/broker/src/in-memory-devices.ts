import type { DeviceAuthLookup, DeviceAuthRecord } from './ports.js';

/** A device registry held in memory (benchmarks, tests); the relational repository is the real one. */
export function inMemoryDevices(records: Iterable<DeviceAuthRecord>): DeviceAuthLookup {
  const byId = new Map<string, DeviceAuthRecord>();
  for (const r of records) byId.set(r.id, r);
  return {
    findForAuth: async (id) => byId.get(id),
    findManyForAuth: async (ids) => ids.flatMap((id) => byId.get(id) ?? []),
  };
}
