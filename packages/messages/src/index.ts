export * from './device-topics.js';
export * from './ingest-errors.js';
export * from './telemetry-ingress.js';
