import type { LatestValue, MetricSeries, RangeQuery } from '@hourmeter/telemetry-store';

/** Read side of the telemetry store. */
export interface TelemetryReader {
  queryRange(query: RangeQuery): Promise<MetricSeries[]>;
  latest(assetId: string, metrics?: readonly string[]): Promise<LatestValue[]>;
}

/** The broker's view of device connections. */
export interface DeviceStatusSource {
  get(deviceId: string):
    | {
        online: boolean;
        lastSeenAt: number;
        clientAddress: string | undefined;
        connectedSince: number | undefined;
        disconnectedAt: number | undefined;
        transport: 'tcp' | 'ws';
      }
    | undefined;
}

/**
 * The broker's hold on connected devices: told when a device's credentials
 * change (revoked, deleted, secret rotated), it ends that device's connection
 * at once. Without one in the process (HM_ROLE=api), broker nodes notice on
 * their periodic re-check.
 */
export interface DeviceSessionControl {
  credentialsChanged(deviceId: string): void;
}

/** Ingest's per-device counters. */
export interface IngestCounterSource {
  forDevice(deviceId: string):
    | {
        accepted: number;
        duplicates: number;
        rejected: Readonly<Partial<Record<string, number>>>;
        refused: number;
        deadLettered: number;
        lastAcceptedAt: number | undefined;
      }
    | undefined;
}

/** The hour meter's recompute, for repairs and audits. */
export interface HourMeterControl {
  recompute(assetId: string, fromDay: string, toDay: string): Promise<unknown[]>;
  /**
   * Exactly the readings (`[ts, value]`) the meter computes `day` from with
   * `settings`, a version's settings JSON as recorded; null when the store
   * has no such metric.
   */
  readingsBehind(assetId: string, day: string, settings: string): Promise<{ metric: string; points: [number, number][] } | null>;
}

/** Failure probability within the lead time per asset and failure mode (the reliability service's fleet estimates). */
export interface FleetRiskSource {
  fleetEstimates(assetModelId: string): Promise<
    {
      assetId: string;
      failureMode: string;
      status: 'estimated' | 'no_failures' | 'not_trained';
      modelVersion?: string | undefined;
      rulHours?: number | undefined;
      lowerHours?: number | undefined;
      upperHours?: number | undefined;
      leadTimeHours: number;
      failureProbability?: number | undefined;
    }[]
  >;
}
