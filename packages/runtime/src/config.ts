import { z } from 'zod';

/**
 * Every environment variable Hourmeter reads, with its default. Parsed once in
 * a main.ts and frozen; the README's configuration table mirrors this schema.
 * Defaults run the embedded mode (SQLite + DuckDB under HM_DATA_DIR).
 */
/** What one process runs; see HM_ROLE. */
export const HM_ROLES = ['all', 'edge', 'api', 'broker', 'ingest', 'prediction'] as const;
export type Role = (typeof HM_ROLES)[number];
/** Roles without a broker of their own: they reach one through HM_MQTT_URL. */
const CLIENT_ROLES: ReadonlySet<Role> = new Set(['api', 'ingest', 'prediction']);

export const ConfigSchema = z.object({
  HM_HTTP_HOST: z.string().min(1).default('0.0.0.0'),
  HM_HTTP_PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  HM_DATA_DIR: z.string().min(1).default('./data'),
  HM_MQTT_HOST: z.string().min(1).default('0.0.0.0'),
  HM_MQTT_PORT: z.coerce.number().int().min(0).max(65535).default(1883),
  /** Largest the ingest spool may grow while the telemetry store is down or slow. */
  HM_SPOOL_MAX_BYTES: z.coerce.number().int().min(1024 * 1024).default(256 * 1024 * 1024),
  /** `group`: a PUBACK waits for the group-committed fdatasync; `none`: for write(2) only (survives kill -9, not power loss). */
  HM_SPOOL_FSYNC: z.enum(['group', 'none']).default('group'),
  HM_SPOOL_FSYNC_INTERVAL_MS: z.coerce.number().int().min(0).max(1000).default(5),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL (leave unset for the embedded SQLite store)')
    .optional(),
  HM_TELEMETRY_STORE: z.enum(['embedded', 'influxdb']).default('embedded'),
  INFLUX_URL: z.url().optional(),
  /** 1 = InfluxDB 1.x (`/write`, database); 2 = 2.x, 3.x and Cloud (`/api/v2/write`, token, org, bucket). */
  INFLUX_VERSION: z.coerce.number().pipe(z.union([z.literal(1), z.literal(2)])).default(2),
  INFLUX_TOKEN: z.string().min(1).optional(),
  INFLUX_ORG: z.string().min(1).optional(),
  INFLUX_BUCKET: z.string().min(1).default('hourmeter'),
  INFLUX_USERNAME: z.string().min(1).optional(),
  INFLUX_PASSWORD: z.string().min(1).optional(),
  /** 1.x only: the retention policy of INFLUX_BUCKET written to and read from; unset = the database's default policy. */
  INFLUX_RETENTION_POLICY: z.string().min(1).optional(),
  /**
   * Readings older than this many days are deleted at start-up and daily;
   * unset keeps them forever. InfluxDB 3.x cannot delete: leave it unset
   * there and set the database's retention period instead.
   */
  HM_TELEMETRY_RETENTION_DAYS: z.coerce.number().int().positive().max(36_500).optional(),
  HM_ADMIN_KEY: z.string().min(24, 'must be at least 24 characters').optional(),
  /** The first admin user, created when the user table is empty; without a password one is generated and printed once. */
  HM_ADMIN_EMAIL: z.string().trim().toLowerCase().pipe(z.email()).default('admin@hourmeter.local'),
  HM_ADMIN_PASSWORD: z.string().min(12, 'must be at least 12 characters').max(200).optional(),
  HM_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  HM_SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().positive().default(10_000),
  /**
   * Fault injection for `npm run chaos` only: while `<dir>/telemetry-store.down`
   * exists, every telemetry store call of this process fails as an unreachable
   * store would (the embedded DuckDB store cannot be stopped on its own).
   */
  HM_FAULT_INJECTION_DIR: z.string().min(1).optional(),
  HM_HOUR_METER_INTERVAL_MS: z.coerce.number().int().positive().default(5_000),
  /** How often maintenance schedules (calendar, operating hours) are checked for due preventive orders. */
  HM_SCHEDULE_INTERVAL_MS: z.coerce.number().int().positive().default(300_000),
  /**
   * Scheduled retraining of the reliability models: a failure mode is refitted once its
   * newest version is this many hours old (besides on demand and after new failures). Unset: off.
   */
  HM_RETRAIN_EVERY_HOURS: z.coerce.number().positive().max(24 * 366).optional(),
  /**
   * How long the reliability estimates reuse the records they are built from (hour meter days,
   * failures) before reading them again. A fleet simulated faster than real time needs it short.
   */
  HM_RELIABILITY_CACHE_MS: z.coerce.number().int().nonnegative().max(3_600_000).default(30_000),
  /**
   * Grace for late usage and downtime after a billing period ends: its invoice
   * can be issued from period end + this many hours (earlier only by an admin, with a reason).
   */
  HM_BILLING_GRACE_HOURS: z.coerce.number().int().nonnegative().max(24 * 90).default(72),
  /**
   * A PBH contract is announced at risk (`contract.sla_at_risk`) once the
   * downtime counted in its running period has used this share (%) of the
   * downtime its availability guarantee allows.
   */
  HM_SLA_AT_RISK_PERCENT: z.coerce.number().min(1).max(100).default(80),
  /** Days after a completion before a consumed part that has not come back is a gap in the returns-by-technician report. */
  HM_RETURN_GRACE_DAYS: z.coerce.number().int().min(0).max(365).default(14),
  /** Share (%) of a won sales lead's value credited to the technician who recorded it (issue #19); 0 turns payouts off. */
  HM_LEAD_PAYOUT_PERCENT: z.coerce.number().min(0).max(100).default(2),
  /** Longest wait for a webhook receiver's answer before the attempt counts as failed. */
  HM_WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(10_000),
  /** JSON file configuring the bridge to an external MQTT broker (docs/integrations-bridge.md); unset = no bridge. */
  HM_BRIDGE_CONFIG: z.string().min(1).optional(),
  /** SMTP server for e-mail notifications (`smtp://user:pass@host:587`, `smtps://host:465`); unset = no mail is sent. */
  HM_SMTP_URL: z
    .string()
    .regex(/^smtps?:\/\/[^\s]+$/, 'must be an smtp:// or smtps:// URL')
    .optional(),
  HM_SMTP_FROM: z.string().min(3).max(320).default('Hourmeter <hourmeter@localhost>'),
  /** Where people open the console, for links in e-mails. */
  HM_CONSOLE_URL: z.url().default('http://localhost:8080'),
  /** UTC hour from which each day's notification digest is mailed. */
  HM_NOTIFY_DIGEST_HOUR: z.coerce.number().int().min(0).max(23).default(7),
  /** Directory with NASA C-MAPSS files, for training RUL models from them through the API. */
  HM_CMAPSS_DIR: z.string().min(1).optional(),
  /** When set, GET /metrics requires `Authorization: Bearer <token>`. */
  HM_METRICS_TOKEN: z.string().min(16).optional(),
  /** Live-update streams (GET /api/v1/events) one API key may hold open at once; more get 429. */
  HM_EVENTS_MAX_STREAMS_PER_KEY: z.coerce.number().int().positive().default(4),
  /** Live-update streams all keys of one role may hold open at once on this process; more get 429. */
  HM_EVENTS_MAX_STREAMS_PER_ROLE: z.coerce.number().int().positive().default(200),
  /**
   * Broker cluster: every broker node given the same Redis shares subscriptions,
   * sessions, retained messages and QoS 1 queues with the others. Unset = one
   * node with in-memory state (docs/cluster.md).
   */
  HM_REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL (leave unset for a single broker node)')
    .optional(),
  /**
   * Require a PROXY protocol v1/v2 header (HAProxy `send-proxy-v2`) on every
   * MQTT TCP connection and use the client address it carries. Only behind a
   * load balancer that sends it: connections without one are dropped.
   */
  HM_MQTT_PROXY_PROTOCOL: z.stringbool().default(false),
  /**
   * MQTT over WebSocket (`/mqtt`) arrives through a reverse proxy that
   * appends the client's address to X-Forwarded-For: take the device's
   * address from its last entry, so the login throttle and connection state
   * see devices, not the proxy. Only behind such a proxy: a client could
   * otherwise claim any address.
   */
  HM_WS_TRUST_FORWARDED_FOR: z.stringbool().default(false),
  /** Name of this broker node in logs and $SYS topics (default: the host name); a random suffix keeps restarts apart. */
  HM_NODE_ID: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,64}$/, 'letters, digits, ".", "_" and "-" only (at most 64)')
    .optional(),
  /**
   * What this process runs (docs/operations.md "Process roles"): `all` = every service in
   * one process (the default); `broker` = MQTT broker node that validates and
   * spools telemetry and forwards it to the asset's partition; `ingest` =
   * stores the partitions it holds a lease on, hour meter; `prediction` =
   * scores its partitions, raises alerts and preventive orders, runs
   * maintenance schedules; `api` = the HTTP API without a broker; `edge` =
   * broker node + ingest + hour meter + prediction in one process, no
   * partitions. Every role but `all` needs the shared stores (PostgreSQL and
   * InfluxDB).
   */
  HM_ROLE: z.enum(HM_ROLES).default('all'),
  /**
   * Partitions of the split roles' streams (assets hash onto them); every
   * broker, ingest and prediction process of a cluster must use the same.
   * More partitions than ingest or prediction processes let them scale out.
   */
  HM_PARTITIONS: z.coerce.number().int().min(1).max(1024).default(16),
  /**
   * `broker` role: most messages one partition session may have queued in Redis
   * (its ingest worker down or behind) before the node stops forwarding and
   * keeps the backlog in its spool on disk instead of in Redis' memory.
   */
  HM_PARTITION_MAX_QUEUED: z.coerce.number().int().min(1).max(1_000_000).default(500),
  /** How long an ingest/prediction worker that stopped renewing keeps its partitions: the takeover time. */
  HM_PARTITION_LEASE_MS: z.coerce.number().int().min(300).max(600_000).default(15_000),
  /** The broker (or its load balancer) the `api`, `ingest` and `prediction` roles connect to as internal service clients. */
  HM_MQTT_URL: z
    .string()
    .regex(/^(mqtts?|wss?):\/\//, 'must be an mqtt://, mqtts://, ws:// or wss:// URL')
    .optional(),
  /** Secret of the internal MQTT service clients (`api`, `ingest`, `prediction` roles); broker nodes accept it. */
  HM_SERVICE_SECRET: z.string().min(24, 'must be at least 24 characters').optional(),
})
  .superRefine((c, ctx) => {
    if (c.HM_ROLE !== 'all') {
      // Separate processes must share one relational and one telemetry store;
      // the embedded SQLite and DuckDB files are owned by a single process.
      const why = `required when HM_ROLE=${c.HM_ROLE}: the embedded store files cannot be shared between processes`;
      if (!c.DATABASE_URL) ctx.addIssue({ code: 'custom', path: ['DATABASE_URL'], message: `${why} (set a postgres:// URL)` });
      if (c.HM_TELEMETRY_STORE !== 'influxdb') {
        ctx.addIssue({ code: 'custom', path: ['HM_TELEMETRY_STORE'], message: `must be influxdb when HM_ROLE=${c.HM_ROLE}: the embedded store files cannot be shared between processes` });
      }
      if (!c.HM_SERVICE_SECRET) {
        ctx.addIssue({ code: 'custom', path: ['HM_SERVICE_SECRET'], message: `required when HM_ROLE=${c.HM_ROLE}: the processes of a cluster authenticate to the brokers with it` });
      }
      if (CLIENT_ROLES.has(c.HM_ROLE) && !c.HM_MQTT_URL) {
        ctx.addIssue({ code: 'custom', path: ['HM_MQTT_URL'], message: `required when HM_ROLE=${c.HM_ROLE}: the broker (load balancer) this process connects to` });
      }
      if (c.HM_ROLE === 'ingest' && !c.HM_REDIS_URL) {
        ctx.addIssue({
          code: 'custom',
          path: ['HM_REDIS_URL'],
          message: "required when HM_ROLE=ingest: the brokers' Redis, where it checks the prediction queues before adding to them",
        });
      }
      if (c.HM_ROLE === 'broker' && !c.HM_REDIS_URL) {
        ctx.addIssue({
          code: 'custom',
          path: ['HM_REDIS_URL'],
          message: 'required when HM_ROLE=broker: the partition queues the ingest workers consume must outlive a broker node (docs/cluster.md)',
        });
      }
    }
    if (c.HM_TELEMETRY_STORE !== 'influxdb') return;
    if (!c.INFLUX_URL) ctx.addIssue({ code: 'custom', path: ['INFLUX_URL'], message: 'required when HM_TELEMETRY_STORE=influxdb' });
    if (c.INFLUX_VERSION === 2 && !c.INFLUX_TOKEN) {
      ctx.addIssue({ code: 'custom', path: ['INFLUX_TOKEN'], message: 'required for InfluxDB 2.x/3.x (INFLUX_VERSION=2)' });
    }
    if (c.INFLUX_VERSION === 2 && !c.INFLUX_ORG) {
      ctx.addIssue({ code: 'custom', path: ['INFLUX_ORG'], message: 'required for InfluxDB 2.x/3.x (INFLUX_VERSION=2)' });
    }
    if (c.INFLUX_VERSION === 2 && c.INFLUX_RETENTION_POLICY) {
      ctx.addIssue({
        code: 'custom',
        path: ['INFLUX_RETENTION_POLICY'],
        message: 'InfluxDB 1.x only (INFLUX_VERSION=1); 2.x/3.x write to the bucket INFLUX_BUCKET names',
      });
    }
  });

export type Config = Readonly<z.infer<typeof ConfigSchema>>;

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Parses env into a frozen config; the error names every bad variable and why. */
export function loadConfig(env: Readonly<Record<string, string | undefined>> = process.env): Config {
  // Empty strings mean "unset", as in most shells' `VAR= cmd`.
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const result = ConfigSchema.safeParse(present);
  if (!result.success) {
    const lines = result.error.issues.map((issue) => {
      const name = issue.path.join('.');
      const got = env[name];
      return `  ${name}: ${issue.message}${got === undefined ? '' : ` (got ${JSON.stringify(redactIfSecret(name, got))})`}`;
    });
    throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
  }
  return Object.freeze(result.data);
}

function redactIfSecret(name: string, value: string): string {
  return /KEY|SECRET|PASSWORD|TOKEN|DATABASE_URL|REDIS_URL/.test(name) ? '[redacted]' : value;
}
