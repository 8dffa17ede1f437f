import type {} from 'vitest';

// What the global setup hands every test file through vitest's provide/inject.
declare module 'vitest' {
  export interface ProvidedContext {
    /** Admin URL of a throwaway PostgreSQL cluster, or '' when no PostgreSQL is installed. */
    postgresUrl: string;
    /** Base URL of a throwaway InfluxDB 1.x server, or '' when influxd is not installed. */
    influxUrl: string;
    /** URL of a throwaway redis-server 7 (empty keyspace), or '' when redis-server is not installed. */
    redisUrl: string;
    /** Whether a Docker engine answers (testcontainers suites skip otherwise). */
    hasDocker: boolean;
  }
}
