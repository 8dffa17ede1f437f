/** One reading as produced by a simulated asset, before transport concerns (seq, skew). */
export interface SimReading {
  /** Simulated epoch ms. */
  ts: number;
  metrics: Record<string, number | boolean>;
}

export interface CommandOutcome {
  ok: boolean;
  detail?: string;
}

/**
 * What the transport needs from a simulated asset. Physics (fleet) and file
 * replay (C-MAPSS) both implement it, so the MQTT side is written once.
 */
export interface ReadingSource {
  /** The next reading; `undefined` once the source is exhausted (end of a replayed unit). */
  next(): SimReading | undefined;
  /** A JSON-parsed payload from `hm/v1/<id>/commands`. */
  command?(payload: unknown): CommandOutcome;
  /** True while the asset sits failed, waiting for maintenance. */
  readonly failed?: boolean;
  /** Failures so far. */
  readonly failures?: number;
}

