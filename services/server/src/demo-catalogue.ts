/**
 * What the demo's product lines fail of, and what a technician records and
 * fits for each failure mode: the failure-code catalogue, the spare part and
 * its price. The demo history, the failure codes of the asset models and the
 * demo story's parts and completed orders all read it, so they agree.
 */
export interface DemoFailureMode {
  /** The failure mode as the simulated devices' prediction settings name it. */
  failureMode: string;
  symptom: { code: string; description: string };
  cause: { code: string; description: string };
  remedy: { code: string; description: string };
  part: { partNumber: string; description: string; unitCostMinor: number };
}

export const DEMO_FAILURE_MODES: readonly DemoFailureMode[] = [
  {
    failureMode: 'bearing_wear',
    symptom: { code: 'HIGH-VIBRATION', description: 'Vibration above the alarm limit' },
    cause: { code: 'BEARING-WEAR', description: 'Rolling bearing worn or spalled' },
    remedy: { code: 'REPLACE', description: 'Component replaced' },
    part: { partNumber: 'CP200-BRG-KIT', description: 'Bearing kit, centrifugal pump CP200', unitCostMinor: 185_00 },
  },
  {
    failureMode: 'seal_leak',
    symptom: { code: 'PRESSURE-LOSS', description: 'Discharge pressure low, visible leak' },
    cause: { code: 'SEAL-WEAR', description: 'Mechanical seal faces worn' },
    remedy: { code: 'REPLACE', description: 'Component replaced' },
    part: { partNumber: 'CP200-SEAL-KIT', description: 'Mechanical seal kit, centrifugal pump CP200', unitCostMinor: 95_00 },
  },
  {
    failureMode: 'valve_wear',
    symptom: { code: 'HOT-DISCHARGE', description: 'Discharge temperature high' },
    cause: { code: 'VALVE-WEAR', description: 'Compressor valve plates worn' },
    remedy: { code: 'REPLACE', description: 'Component replaced' },
    part: { partNumber: 'AC75-VALVE-KIT', description: 'Valve overhaul kit, air compressor AC75', unitCostMinor: 240_00 },
  },
  {
    failureMode: 'misalignment',
    symptom: { code: 'HIGH-VIBRATION', description: 'Vibration above the alarm limit' },
    cause: { code: 'MISALIGNMENT', description: 'Shaft misaligned, coupling worn' },
    remedy: { code: 'REALIGN', description: 'Shafts realigned, coupling replaced' },
    part: { partNumber: 'G40-COUPLING', description: 'Flexible coupling, gearbox G40', unitCostMinor: 130_00 },
  },
  {
    failureMode: 'winding_insulation',
    symptom: { code: 'OVERHEATING', description: 'Winding temperature high' },
    cause: { code: 'INSULATION-BREAKDOWN', description: 'Winding insulation aged' },
    remedy: { code: 'REPLACE', description: 'Component replaced' },
    part: { partNumber: 'G40-MOTOR-WINDING', description: 'Drive motor winding set, gearbox G40', unitCostMinor: 620_00 },
  },
];

export function demoFailureMode(failureMode: string): DemoFailureMode {
  const found = DEMO_FAILURE_MODES.find((m) => m.failureMode === failureMode);
  if (!found) throw new Error(`the demo catalogue has no failure mode ${failureMode}`);
  return found;
}

/** The failure-code catalogue entries (symptom, cause, remedy) of the given failure modes, without repeats. */
export function demoFailureCodes(failureModes: readonly string[]): { kind: 'symptom' | 'cause' | 'remedy'; code: string; description: string }[] {
  const out = new Map<string, { kind: 'symptom' | 'cause' | 'remedy'; code: string; description: string }>();
  for (const m of failureModes.map(demoFailureMode)) {
    for (const kind of ['symptom', 'cause', 'remedy'] as const) out.set(`${kind}:${m[kind].code}`, { kind, ...m[kind] });
  }
  return [...out.values()];
}
