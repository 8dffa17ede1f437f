import { parseArgs } from 'node:util';

/** The load both MQTT benches take: `--devices 200 --seconds 15 --window 32`. */
export interface LoadArgs {
  /** Simulated devices, one MQTT connection each. */
  readonly devices: number;
  /** Length of each phase. */
  readonly seconds: number;
  /** Readings in flight per device (unacknowledged QoS 1 publishes). */
  readonly window: number;
}

export function parseLoadArgs(args: string[]): LoadArgs {
  const { values } = parseArgs({
    args,
    options: {
      devices: { type: 'string', default: '200' },
      seconds: { type: 'string', default: '15' },
      window: { type: 'string', default: '32' },
    },
  });
  const parsed = { devices: Number(values.devices), seconds: Number(values.seconds), window: Number(values.window) };
  for (const [name, value] of Object.entries(parsed)) {
    if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} must be a positive whole number, got ${values[name as keyof typeof values]}`);
  }
  return parsed;
}
