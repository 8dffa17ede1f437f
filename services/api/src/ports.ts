import type { LatestValue, MetricSeries, RangeQuery } from '@hourmeter/telemetry-store';

/** Read side of the telemetry store. */
export interface TelemetryReader {
  queryRange(query: RangeQuery): Promise<MetricSeries[]>;
  latest(assetId: string, metrics?: readonly string[]): Promise<LatestValue[]>;
}

/** The broker's view of device connections. */
export interface DeviceStatusSource {
  get(deviceId: string):
    | { online: boolean; lastSeenAt: number; clientAddress: string | undefined; connectedSince: number | undefined }
    | undefined;
}

/** Ingest's per-device counters. */
export interface IngestCounterSource {
  forDevice(deviceId: string):
    | {
        accepted: number;
        duplicates: number;
        rejected: Readonly<Partial<Record<string, number>>>;
        refused: number;
        lastAcceptedAt: number | undefined;
      }
    | undefined;
}

/** The hour meter's recompute, for repairs and audits. */
export interface HourMeterControl {
  recompute(assetId: string, fromDay: string, toDay: string): Promise<unknown[]>;
}
