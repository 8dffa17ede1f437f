import type { Role } from '@hourmeter/runtime';
import { SERVICE_ACCOUNTS, type ServiceAccount } from '../service-link.js';

/** What one process runs, by HM_ROLE (docs/operations.md "Process roles"). */
export interface RolePlan {
  /** An aedes node: device connections, auth, validation and the spool. */
  readonly broker: boolean;
  /** Where that broker's spool drains: the telemetry store, or the asset partitions (ingest workers). */
  readonly drain?: 'store' | 'partitions';
  readonly telemetryStore: boolean;
  /** The periodic recompute of the operating-hour days that new readings touched. */
  readonly hourMeter: boolean;
  /** Work orders, parts, prediction and contracts. */
  readonly services: boolean;
  /** Calendar and operating-hour maintenance schedules, checked periodically. */
  readonly schedules: boolean;
  /**
   * Deletes telemetry past HM_TELEMETRY_RETENTION_DAYS. Retention is global,
   * so the processes that own the store (all, edge) and the prediction
   * workers run it, not every api and ingest process as well.
   */
  readonly retention: boolean;
  /** The full HTTP API and console; otherwise only /health and /metrics. */
  readonly api: boolean;
  /** The partitioned stream this process consumes as a scaled-out worker. */
  readonly worker?: 'ingest' | 'prediction';
  /** How a process without a broker of its own connects to the brokers. */
  readonly account?: ServiceAccount;
  /** Publishes its events over MQTT, where every api process hears them. */
  readonly forwardsEvents: boolean;
}

const none = { broker: false, telemetryStore: false, hourMeter: false, services: false, schedules: false, retention: false, api: false, forwardsEvents: true };

export const ROLE_PLANS: Record<Role, RolePlan> = {
  all: { broker: true, drain: 'store', telemetryStore: true, hourMeter: true, services: true, schedules: true, retention: true, api: true, forwardsEvents: false },
  edge: { ...none, broker: true, drain: 'store', telemetryStore: true, hourMeter: true, services: true, schedules: true, retention: true },
  broker: { ...none, broker: true, drain: 'partitions' },
  ingest: { ...none, telemetryStore: true, hourMeter: true, worker: 'ingest', account: SERVICE_ACCOUNTS.ingest },
  prediction: { ...none, telemetryStore: true, services: true, schedules: true, retention: true, worker: 'prediction', account: SERVICE_ACCOUNTS.prediction },
  api: { ...none, telemetryStore: true, services: true, api: true, account: SERVICE_ACCOUNTS.api, forwardsEvents: false },
};
