/**
 * The slice of pino's Logger the adapters use (pino loggers and their
 * children fit it), so this package does not depend on pino itself.
 */
export interface StoreLogger {
  debug(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}
