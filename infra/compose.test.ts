/**
 * No Docker engine runs where the tests run, so the deployment files are
 * checked statically: the compose file's structure, every Hourmeter variable
 * against the configuration schema (values included, after interpolating
 * .env.example, and the role rules of its superRefine), the split topology
 * (brokers with their own spools, workers and api reaching them through the
 * load balancer, one partition count), and the load balancer against the
 * broker services; the Kubernetes sketch likewise.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigSchema, loadConfig } from '@hourmeter/runtime';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';

const INFRA = new URL('.', import.meta.url).pathname;
const ROOT = join(INFRA, '..');
const read = (p: string) => readFileSync(join(INFRA, p), 'utf8');

type Env = Record<string, string | number | boolean | null>;
interface Service {
  image?: string;
  build?: { context: string; dockerfile?: string } | string;
  command?: string[] | string;
  environment?: Env | string[];
  ports?: (string | number)[];
  expose?: (string | number)[];
  depends_on?: string[] | Record<string, { condition?: string }>;
  healthcheck?: { test?: string[] | string; disable?: boolean };
  volumes?: (string | { type?: string; source?: string; target?: string })[];
  deploy?: { replicas?: number };
  hostname?: string;
  container_name?: string;
}
interface Compose {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
}

// The split roles (docs/operations.md "Process roles"); `all` and `edge` are not part of this topology.
const ROLES = ['broker', 'ingest', 'prediction', 'api'];
/** Roles that hash assets onto the partitions: they must agree on HM_PARTITIONS. */
const PARTITIONED = ['broker', 'ingest', 'prediction'];
/** Roles without a broker of their own: they reach the brokers through HM_MQTT_URL. */
const CLIENTS = ['api', 'ingest', 'prediction'];

const schemaKeys = new Set(Object.keys(ConfigSchema.shape));
const containerPort = (p: string | number) => Number(String(p).split('/')[0]!.split(':').at(-1));
const distinct = <T>(xs: readonly T[]) => [...new Set(xs)];

const composeText = read('docker-compose.yml');
const compose = parse(composeText, { merge: true }) as Compose;
const services = Object.entries(compose.services);
const envExample = Object.fromEntries(
  read('.env.example')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)] as const),
);

// ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?message}, ${VAR?message}
const INTERPOLATION = /\$\{([A-Z0-9_]+)(?:(:?-)([^}]*)|(:?\?)([^}]*))?\}/g;
function interpolate(value: string, vars: Record<string, string>): string {
  return value.replace(INTERPOLATION, (_m, name: string, dash?: string, def?: string, q?: string, msg?: string) => {
    const v = vars[name];
    if (v !== undefined && v !== '') return v;
    if (dash !== undefined) return def ?? '';
    // compose would stop here (`:?`); the .env.example test names the variable.
    if (q !== undefined) return `<missing ${name}: ${msg}>`;
    return '';
  });
}
/** Variables referenced without a default: compose refuses to start (`:?`) or substitutes '' without them. */
function requiredVariables(text: string): Set<string> {
  const out = new Set<string>();
  for (const m of text.matchAll(INTERPOLATION)) if (m[2] === undefined) out.add(m[1]!);
  return out;
}

/** The environment as written, before interpolation. */
function rawEnvOf(s: Service): Record<string, string> {
  const env = s.environment ?? {};
  return Object.fromEntries(
    Array.isArray(env)
      ? env.map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)] as const)
      : Object.entries(env).map(([k, v]) => [k, v === null ? '' : String(v)] as const),
  );
}
/** What the container gets, with .env.example filled in. */
function envOf(s: Service): Record<string, string> {
  return Object.fromEntries(Object.entries(rawEnvOf(s)).map(([k, v]) => [k, interpolate(v, envExample)]));
}
const dependencies = (s: Service) => (Array.isArray(s.depends_on) ? s.depends_on : Object.keys(s.depends_on ?? {}));
const commandOf = (s: Service) => (Array.isArray(s.command) ? s.command.join(' ') : (s.command ?? ''));
const replicasOf = (s: Service) => s.deploy?.replicas ?? 1;
const mountsOf = (s: Service) =>
  (s.volumes ?? []).map((v) =>
    typeof v === 'string' ? { source: v.split(':')[0]!, target: v.split(':')[1] ?? '' } : { source: v.source ?? '', target: v.target ?? '' },
  );
const isNamedVolume = (source: string) => source !== '' && !source.startsWith('.') && !source.startsWith('/');

const isHourmeter = (s: Service) => commandOf(s).includes('services/server/src/main.ts');
const hourmeter = services.filter(([, s]) => isHourmeter(s));
const withRole = (...roles: string[]) => hourmeter.filter(([, s]) => roles.includes(envOf(s).HM_ROLE ?? ''));
const brokers = withRole('broker');
const brokerNames = brokers.map(([n]) => n).sort();

const haproxyCfg = read('haproxy/haproxy.cfg');
const lb = compose.services['mqtt-lb']!;
/** The port HAProxy listens on inside its container: where internal clients connect. */
const lbPort = Number(/^\s*bind\s+[^:\s]*:(\d+)/m.exec(haproxyCfg)?.[1]);

describe('docker-compose.yml', () => {
  it('has the stores, the load balancer, two broker nodes, two ingest workers, one prediction worker and the api', () => {
    const images = Object.fromEntries(services.map(([n, s]) => [n, s.image ?? '']));
    expect(images.influxdb).toMatch(/^influxdb:2\.7/);
    expect(images.postgres).toMatch(/^postgres:16/);
    expect(images.redis).toMatch(/^redis:7/);
    expect(images['mqtt-lb']).toMatch(/^haproxy:/);
    expect(brokerNames).toEqual(['broker-1', 'broker-2']);
    expect(new Set(hourmeter.map(([, s]) => envOf(s).HM_ROLE))).toEqual(new Set(ROLES));
    // Containers per role, counting replicas.
    const containers = (role: string) => withRole(role).reduce((n, [, s]) => n + replicasOf(s), 0);
    expect(containers('broker')).toBe(2);
    expect(containers('ingest')).toBe(2);
    expect(containers('prediction')).toBe(1);
    expect(containers('api')).toBe(1);
  });

  it.each(services)('%s has an image or a build whose Dockerfile exists', (_name, s) => {
    expect(s.image ?? s.build).toBeTruthy();
    if (s.build) {
      const b = typeof s.build === 'string' ? { context: s.build } : s.build;
      const context = join(INFRA, b.context);
      expect(existsSync(context)).toBe(true);
      expect(existsSync(join(context, b.dockerfile ?? 'Dockerfile'))).toBe(true);
    }
  });

  it.each(services)('%s publishes well-formed ports and depends only on healthy services that exist', (_name, s) => {
    for (const p of s.ports ?? []) {
      const [published, container] = interpolate(String(p), envExample).split(':');
      expect(Number(published)).toBeGreaterThan(0);
      expect(Number(container)).toBeGreaterThan(0);
    }
    for (const d of dependencies(s)) {
      expect(compose.services[d], `depends on unknown service ${d}`).toBeDefined();
      const condition = Array.isArray(s.depends_on) ? undefined : s.depends_on?.[d]?.condition;
      if (condition === 'service_healthy') expect(compose.services[d]!.healthcheck?.test, `${d} has no healthcheck`).toBeTruthy();
    }
    expect(s.healthcheck?.test, 'every long-running service has a healthcheck').toBeTruthy();
  });

  it.each(services.filter(([, s]) => replicasOf(s) > 1))('%s can run as several replicas', (_name, s) => {
    // Fixed host ports, container names and host names would collide (or, for
    // the host name, give every replica the same default HM_NODE_ID).
    expect(s.ports ?? []).toEqual([]);
    expect(s.container_name).toBeUndefined();
    expect(s.hostname).toBeUndefined();
  });

  it('declares every named volume it mounts, and gives each broker node a spool volume of its own', () => {
    const declared = new Set(Object.keys(compose.volumes ?? {}));
    const mountedBy = new Map<string, number>();
    for (const [name, s] of services) {
      for (const { source } of mountsOf(s)) {
        if (isNamedVolume(source)) {
          expect(declared, `${name} mounts undeclared volume ${source}`).toContain(source);
          mountedBy.set(source, (mountedBy.get(source) ?? 0) + replicasOf(s));
        } else {
          expect(existsSync(join(INFRA, source)), `${name} mounts missing ${source}`).toBe(true);
        }
      }
    }
    for (const [name, s] of brokers) {
      // The spool is HM_DATA_DIR/spool: it must be on a volume, or a restart loses acknowledged readings.
      const dataDir = loadConfig(envOf(s)).HM_DATA_DIR;
      const spool = mountsOf(s).filter((m) => isNamedVolume(m.source) && m.target === dataDir);
      expect(spool, `${name} mounts a named volume at HM_DATA_DIR (${dataDir})`).toHaveLength(1);
      // Two processes appending to one spool would corrupt it: one container per volume.
      expect(mountedBy.get(spool[0]!.source), `${spool[0]!.source} is mounted by one container only`).toBe(1);
    }
  });

  it.each(hourmeter)('%s sets only configuration variables, with values the schema (and its role rules) accepts', (name, s) => {
    const env = envOf(s);
    const unknown = Object.keys(env).filter((k) => !schemaKeys.has(k));
    expect(unknown, `${name} sets variables the config schema does not know`).toEqual([]);
    expect(ROLES).toContain(env.HM_ROLE);
    // What the container would parse at start-up, with .env.example filled in;
    // loadConfig throws naming every variable the role is missing.
    const config = loadConfig(env);
    expect(config.HM_ROLE).toBe(env.HM_ROLE);
    expect(config.HM_TELEMETRY_STORE).toBe('influxdb');
    expect(config.INFLUX_URL).toBe('http://influxdb:8086');
    expect(config.DATABASE_URL).toMatch(/@postgres:5432\//);
    expect(config.HM_SERVICE_SECRET).toBe(envExample.HM_SERVICE_SECRET);
  });

  it('runs the broker nodes as one cluster: same Redis, distinct node ids, MQTT exposed only inside', () => {
    const envs = brokers.map(([, s]) => envOf(s));
    expect(compose.services.redis).toBeDefined();
    expect(distinct(envs.map((e) => e.HM_REDIS_URL))).toEqual(['redis://redis:6379']);
    expect(distinct(envs.map((e) => e.HM_NODE_ID))).toHaveLength(brokers.length);
    for (const [name, s] of brokers) {
      expect(dependencies(s), name).toContain('redis');
      expect(replicasOf(s), `${name}: one container per spool volume`).toBe(1);
      expect((s.expose ?? []).map(containerPort)).toContain(loadConfig(envOf(s)).HM_MQTT_PORT);
      expect(s.ports ?? [], 'broker nodes are reached through the load balancer only').toEqual([]);
    }
  });

  it('connects the api and the workers to the brokers through the load balancer', () => {
    const clients = withRole(...CLIENTS);
    expect(clients.length).toBeGreaterThan(0);
    for (const [name, s] of clients) {
      expect(envOf(s).HM_MQTT_URL, name).toBe(`mqtt://mqtt-lb:${lbPort}`);
      expect(dependencies(s), name).toContain('mqtt-lb');
    }
    // The brokers accept the internal clients with the one secret they all share.
    expect(distinct(hourmeter.map(([, s]) => envOf(s).HM_SERVICE_SECRET))).toHaveLength(1);
    // Only the api installs the admin key.
    const api = withRole('api');
    expect(api).toHaveLength(1);
    expect(loadConfig(envOf(api[0]![1])).HM_ADMIN_KEY).toBe(envExample.HM_ADMIN_KEY);
  });

  it('gives every broker, ingest and prediction service the same HM_PARTITIONS, set once', () => {
    const partitioned = withRole(...PARTITIONED);
    // Written out, not left to the default, and the same text before
    // interpolation: an .env override then changes all of them together.
    const raw = partitioned.map(([, s]) => rawEnvOf(s).HM_PARTITIONS);
    expect(raw.every((v) => v !== undefined)).toBe(true);
    expect(distinct(raw)).toHaveLength(1);
    expect(distinct(partitioned.map(([, s]) => loadConfig(envOf(s)).HM_PARTITIONS))).toEqual([Number(envExample.HM_PARTITIONS)]);
    // The workers of a group share the takeover time.
    expect(distinct(withRole('ingest', 'prediction').map(([, s]) => rawEnvOf(s).HM_PARTITION_LEASE_MS))).toHaveLength(1);
  });

  it('.env.example provides every variable the compose file requires, and only variables it uses', () => {
    const required = requiredVariables(composeText);
    expect([...required].filter((v) => !(v in envExample))).toEqual([]);
    expect(required).toContain('INFLUX_TOKEN');
    expect(required).toContain('POSTGRES_PASSWORD');
    expect(required).toContain('HM_ADMIN_KEY');
    expect(required).toContain('HM_SERVICE_SECRET');
    const referenced = new Set([...composeText.matchAll(INTERPOLATION)].map((m) => m[1]!));
    expect(Object.keys(envExample).filter((v) => !referenced.has(v))).toEqual([]);
  });
});

describe('haproxy.cfg', () => {
  it('is mounted by the load balancer service', () => {
    expect(lb.volumes).toContain('./haproxy/haproxy.cfg:/usr/local/etc/haproxy/haproxy.cfg:ro');
  });

  it('targets exactly the broker services on their MQTT port, with health checks', () => {
    const servers = [...haproxyCfg.matchAll(/^\s*server\s+(\S+)\s+([^\s:]+):(\d+)(.*)$/gm)].map((m) => ({
      host: m[2]!,
      port: Number(m[3]),
    }));
    expect(servers.map((s) => s.host).sort()).toEqual(brokerNames);
    for (const s of servers) {
      const broker = compose.services[s.host]!;
      expect(s.port).toBe(loadConfig(envOf(broker)).HM_MQTT_PORT);
    }
    expect(haproxyCfg).toMatch(/default-server[^\n]*\bcheck\b/);
    // PROXY headers on exactly when the brokers expect them: either side alone drops every connection.
    const sendsProxy = /^\s*(default-server|server)\s[^\n]*\bsend-proxy(-v2)?\b/m.test(haproxyCfg);
    for (const [name, s] of brokers) expect(loadConfig(envOf(s)).HM_MQTT_PROXY_PROTOCOL, name).toBe(sendsProxy);
    expect(dependencies(lb).sort()).toEqual(brokerNames);
  });

  it('balances TCP on the port the service publishes', () => {
    expect(haproxyCfg).toMatch(/^\s*mode tcp$/m);
    expect(lbPort).toBeGreaterThan(0);
    expect((lb.ports ?? []).map(containerPort)).toContain(lbPort);
  });
});

describe('Dockerfile', () => {
  const dockerfile = read('Dockerfile');
  it('installs with npm ci, runs as a non-root user, and starts the server entry point', () => {
    expect(dockerfile).toMatch(/RUN npm ci\b/);
    const users = [...dockerfile.matchAll(/^USER\s+(\S+)/gm)].map((m) => m[1]);
    expect(users.at(-1)).toBeDefined();
    expect(users.at(-1)).not.toMatch(/^(root|0)$/);
    expect(dockerfile).toMatch(/services\/server\/src\/main\.ts/);
    expect(existsSync(join(ROOT, 'services/server/src/main.ts'))).toBe(true);
    expect(read('Dockerfile.dockerignore')).toMatch(/node_modules/);
  });
});

describe('k8s/hourmeter.yaml', () => {
  interface Container {
    command?: string[];
    env?: { name: string; value?: string; valueFrom?: { fieldRef?: { fieldPath: string } } }[];
    envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
    ports?: { name?: string; containerPort: number }[];
    volumeMounts?: { name: string; mountPath: string }[];
  }
  interface Doc {
    kind: string;
    metadata: { name: string; labels?: Record<string, string> };
    data?: Record<string, string>;
    spec?: {
      replicas?: number;
      selector?: Record<string, string> | { matchLabels?: Record<string, string> };
      template?: { metadata?: { labels?: Record<string, string> }; spec: { containers: Container[]; volumes?: unknown[] } };
      volumeClaimTemplates?: { metadata: { name: string } }[];
      ports?: { name?: string; port: number; targetPort?: number | string }[];
    };
  }
  const text = read('k8s/hourmeter.yaml');
  const docs = parseAllDocuments(text).map((d) => d.toJS() as Doc);
  const workloads = docs.filter((d) => d.spec?.template);
  const configMaps = new Map(docs.filter((d) => d.kind === 'ConfigMap').map((d) => [d.metadata.name, d.data ?? {}]));
  // What the Secret must hold (see the file's header), with stand-in values of the right shape.
  const SECRET: Record<string, string> = {
    DATABASE_URL: 'postgres://hourmeter:secret@postgres:5432/hourmeter',
    INFLUX_TOKEN: 'influx-token',
    HM_ADMIN_KEY: 'admin-key-0123456789abcdefgh',
    HM_REDIS_URL: 'redis://redis:6379',
    HM_SERVICE_SECRET: 'service-secret-0123456789abc',
  };

  /** The environment the first container of a workload gets: ConfigMaps, the Secret, then its own env. */
  function podEnv(w: Doc): Record<string, string> {
    const c = w.spec!.template!.spec.containers[0]!;
    const env: Record<string, string> = {};
    for (const from of c.envFrom ?? []) {
      if (from.configMapRef) Object.assign(env, configMaps.get(from.configMapRef.name) ?? {});
      if (from.secretRef?.name === 'hourmeter') Object.assign(env, SECRET);
    }
    for (const e of c.env ?? []) {
      if (e.value !== undefined) env[e.name] = e.value;
      else if (e.valueFrom?.fieldRef?.fieldPath === 'metadata.name') env[e.name] = `${w.metadata.name}-0`;
    }
    return env;
  }
  const roleOf = (w: Doc) => podEnv(w).HM_ROLE ?? '';
  const byRole = (role: string) => workloads.filter((w) => roleOf(w) === role);
  const matches = (selector: Record<string, string>, labels: Record<string, string>) =>
    Object.entries(selector).every(([k, v]) => labels[k] === v);

  it('documents exactly the Secret keys the manifests rely on', () => {
    const documented = [...text.matchAll(/--from-literal=([A-Z0-9_]+)=/g)].map((m) => m[1]!);
    expect(documented.sort()).toEqual(Object.keys(SECRET).sort());
  });

  it.each(workloads.map((w) => [w.metadata.name, w] as const))('%s sets only configuration variables the schema (and its role rules) accepts', (name, w) => {
    for (const c of w.spec!.template!.spec.containers) expect(c.command?.join(' ')).toContain('services/server/src/main.ts');
    const env = podEnv(w);
    expect(Object.keys(env).filter((k) => !schemaKeys.has(k)), name).toEqual([]);
    expect(ROLES).toContain(env.HM_ROLE);
    expect(loadConfig(env).HM_ROLE).toBe(env.HM_ROLE);
  });

  it('runs every role: brokers as a StatefulSet, ingest x2, prediction x1 and the api as Deployments', () => {
    expect(new Set(workloads.map(roleOf))).toEqual(new Set(ROLES));
    expect(byRole('broker').map((w) => w.kind)).toEqual(['StatefulSet']);
    for (const role of ['ingest', 'prediction', 'api']) expect(byRole(role).map((w) => w.kind), role).toEqual(['Deployment']);
    expect(byRole('ingest')[0]!.spec!.replicas).toBe(2);
    expect(byRole('prediction')[0]!.spec!.replicas).toBe(1);
  });

  it('keeps a spool volume per broker pod (StatefulSet volume claim template at HM_DATA_DIR) and a shared Redis', () => {
    const [broker] = byRole('broker');
    const claims = broker!.spec!.volumeClaimTemplates ?? [];
    expect(claims).toHaveLength(1);
    const env = podEnv(broker!);
    const mounts = broker!.spec!.template!.spec.containers[0]!.volumeMounts ?? [];
    expect(mounts).toContainEqual({ name: claims[0]!.metadata.name, mountPath: loadConfig(env).HM_DATA_DIR });
    expect(env.HM_REDIS_URL).toMatch(/^rediss?:\/\//);
  });

  it('gives every broker, ingest and prediction pod the same HM_PARTITIONS, from one ConfigMap', () => {
    const partitioned = workloads.filter((w) => PARTITIONED.includes(roleOf(w)));
    expect(distinct(partitioned.map((w) => loadConfig(podEnv(w)).HM_PARTITIONS))).toHaveLength(1);
    for (const w of partitioned) {
      const c = w.spec!.template!.spec.containers[0]!;
      expect((c.env ?? []).map((e) => e.name), `${w.metadata.name} must not override it`).not.toContain('HM_PARTITIONS');
      expect(podEnv(w).HM_PARTITIONS, `${w.metadata.name} sets it explicitly`).toBeDefined();
    }
  });

  it('connects the api and the workers to a Service in front of the broker pods', () => {
    const [broker] = byRole('broker');
    const brokerLabels = broker!.spec!.template!.metadata!.labels!;
    const brokerConfig = loadConfig(podEnv(broker!));
    const brokerPorts = broker!.spec!.template!.spec.containers[0]!.ports ?? [];
    for (const w of workloads.filter((x) => CLIENTS.includes(roleOf(x)))) {
      const url = new URL(podEnv(w).HM_MQTT_URL ?? '');
      const service = docs.find((d) => d.kind === 'Service' && d.metadata.name === url.hostname.split('.')[0]);
      expect(service, `${w.metadata.name}: ${url.hostname} is a Service of this file`).toBeDefined();
      expect(matches(service!.spec!.selector as Record<string, string>, brokerLabels), `${url.hostname} selects the broker pods`).toBe(true);
      const websocket = url.protocol === 'ws:' || url.protocol === 'wss:';
      const port = Number(url.port || (websocket ? 80 : 1883));
      const target = service!.spec!.ports!.find((p) => p.port === port)?.targetPort;
      const containerPortNumber = typeof target === 'number' ? target : brokerPorts.find((p) => p.name === target)?.containerPort;
      if (websocket) {
        // MQTT over WebSocket is served at /mqtt on the brokers' HTTP port.
        expect(containerPortNumber).toBe(brokerConfig.HM_HTTP_PORT);
        expect(url.pathname).toBe('/mqtt');
      } else {
        // A Service adds no PROXY header: plain TCP works only if the brokers do not require one.
        expect(containerPortNumber).toBe(brokerConfig.HM_MQTT_PORT);
        expect(brokerConfig.HM_MQTT_PROXY_PROTOCOL).toBe(false);
      }
    }
  });
});
