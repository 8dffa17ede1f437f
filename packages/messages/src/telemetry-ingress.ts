import type { IngestRejectionCode } from './ingest-errors.js';

/**
 * The in-process seam between the broker and ingest. The broker calls
 * `accept` from aedes' `authorizePublish`, which aedes waits for before it
 * writes the PUBACK; so whatever `accept` resolves is what the device's
 * acknowledgement means. Ingest implements it; the server wires the two.
 * Neither service imports the other.
 */
export interface TelemetryMessage {
  readonly deviceId: string;
  readonly assetId: string;
  readonly topic: string;
  readonly payload: Uint8Array;
  readonly qos: 0 | 1 | 2;
  /** Broker receive time, epoch ms (the clock the future-skew check uses). */
  readonly receivedAt: number;
}

export interface ReadingRejection {
  readonly code: IngestRejectionCode;
  readonly message: string;
  readonly index?: number | undefined;
  readonly seq?: number | undefined;
}

export type IngressOutcome =
  /**
   * Everything valid is durable (QoS >= 1) or queued (QoS 0); the broker acks
   * and publishes each rejection on the device's errors topic.
   */
  | {
      readonly status: 'accepted';
      readonly accepted: number;
      readonly duplicates: number;
      readonly rejections: readonly ReadingRejection[];
    }
  /**
   * Nothing was taken and nothing may be acknowledged (spool full, shutting
   * down). MQTT 3.1.1 has no negative PUBACK, so the broker closes the
   * connection and the device retransmits after reconnecting.
   */
  | { readonly status: 'refused'; readonly code: 'OVERLOADED' | 'SHUTTING_DOWN'; readonly message: string };

export interface TelemetryIngress {
  accept(message: TelemetryMessage): Promise<IngressOutcome>;
}
