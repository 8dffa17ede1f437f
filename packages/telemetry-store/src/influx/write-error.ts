/**
 * A write the server did not acknowledge. An expected failure, with a stable
 * `code` and whether retrying can help, so ingest can choose between retrying
 * the batch later and dead-lettering it.
 */
export class InfluxWriteError extends Error {
  readonly code: 'TELEMETRY_STORE_UNAVAILABLE' | 'TELEMETRY_WRITE_REJECTED';

  constructor(
    message: string,
    /**
     * The same batch may succeed later: connection errors, 408, 429 and 5xx,
     * and 401/403/404 (the server's configuration, not the points, is wrong).
     */
    readonly retryable: boolean,
    cause?: unknown,
  ) {
    super(message, { cause });
    this.name = 'InfluxWriteError';
    this.code = retryable ? 'TELEMETRY_STORE_UNAVAILABLE' : 'TELEMETRY_WRITE_REJECTED';
  }
}
