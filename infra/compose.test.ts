/**
 * No Docker engine runs where the tests run, so the deployment files are
 * checked statically: the compose file's structure, every Hourmeter variable
 * against the configuration schema (values included, after interpolating
 * .env.example), and the load balancer against the broker services.
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
  volumes?: (string | { source?: string })[];
}
interface Compose {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
}

const compose = parse(read('docker-compose.yml'), { merge: true }) as Compose;
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

function envOf(s: Service): Record<string, string> {
  const env = s.environment ?? {};
  const entries = Array.isArray(env)
    ? env.map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)] as const)
    : Object.entries(env).map(([k, v]) => [k, v === null ? '' : String(v)] as const);
  return Object.fromEntries(entries.map(([k, v]) => [k, interpolate(v, envExample)]));
}
const dependencies = (s: Service) => (Array.isArray(s.depends_on) ? s.depends_on : Object.keys(s.depends_on ?? {}));
const commandOf = (s: Service) => (Array.isArray(s.command) ? s.command.join(' ') : (s.command ?? ''));
const isHourmeter = (s: Service) => commandOf(s).includes('services/server/src/main.ts');
const hourmeter = services.filter(([, s]) => isHourmeter(s));
// Broker nodes run the edge role (broker + ingest + hour meter + prediction).
const brokers = hourmeter.filter(([, s]) => envOf(s).HM_ROLE === 'edge');
const containerPort = (p: string | number) => Number(String(p).split('/')[0]!.split(':').at(-1));

const schemaKeys = new Set(Object.keys(ConfigSchema.shape));
// The split roles (README "Process roles"); `all` is the single-process default.
const ROLES = ['edge', 'api'];

describe('docker-compose.yml', () => {
  it('has the stores, the load balancer, two broker nodes and every role', () => {
    const images = Object.fromEntries(services.map(([n, s]) => [n, s.image ?? '']));
    expect(images.influxdb).toMatch(/^influxdb:2\.7/);
    expect(images.postgres).toMatch(/^postgres:16/);
    expect(images.redis).toMatch(/^redis:7/);
    expect(images['mqtt-lb']).toMatch(/^haproxy:/);
    expect(brokers.map(([n]) => n).sort()).toEqual(['broker-1', 'broker-2']);
    expect(new Set(hourmeter.map(([, s]) => envOf(s).HM_ROLE))).toEqual(new Set(ROLES));
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

  it('declares every named volume it mounts, and gives each Hourmeter container its own data volume', () => {
    const declared = new Set(Object.keys(compose.volumes ?? {}));
    const dataVolumes: string[] = [];
    for (const [name, s] of services) {
      for (const v of s.volumes ?? []) {
        const source = typeof v === 'string' ? v.split(':')[0]! : (v.source ?? '');
        if (source.startsWith('.') || source.startsWith('/')) {
          expect(existsSync(join(INFRA, source)), `${name} mounts missing ${source}`).toBe(true);
        } else {
          expect(declared, `${name} mounts undeclared volume ${source}`).toContain(source);
        }
        if (isHourmeter(s) && typeof v === 'string' && v.endsWith(':/data')) dataVolumes.push(source);
      }
    }
    // The spool is per node: two nodes appending to one spool would corrupt it.
    expect(dataVolumes).toHaveLength(hourmeter.length);
    expect(new Set(dataVolumes).size).toBe(dataVolumes.length);
  });

  it.each(hourmeter)('%s sets only configuration variables, with values the schema accepts', (name, s) => {
    const env = envOf(s);
    const unknown = Object.keys(env).filter((k) => !schemaKeys.has(k));
    expect(unknown, `${name} sets variables the config schema does not know`).toEqual([]);
    expect(ROLES).toContain(env.HM_ROLE);
    // Values too: what the container would parse at start-up, with .env.example filled in.
    const config = loadConfig(env);
    expect(config.HM_ROLE).toBe(env.HM_ROLE);
    expect(config.HM_TELEMETRY_STORE).toBe('influxdb');
    expect(config.DATABASE_URL).toMatch(/@postgres:5432\//);
    expect(config.HM_SERVICE_SECRET).toBe(envExample.HM_SERVICE_SECRET);
  });

  it('runs the broker nodes as one cluster: same Redis, distinct node ids, MQTT exposed', () => {
    const envs = brokers.map(([, s]) => envOf(s));
    expect(new Set(envs.map((e) => e.HM_REDIS_URL))).toEqual(new Set(['redis://redis:6379']));
    expect(new Set(envs.map((e) => e.HM_NODE_ID)).size).toBe(brokers.length);
    for (const [name, s] of brokers) {
      expect(dependencies(s), name).toContain('redis');
      expect((s.expose ?? []).map(containerPort)).toContain(loadConfig(envOf(s)).HM_MQTT_PORT);
      expect(s.ports ?? [], 'broker nodes are reached through the load balancer only').toEqual([]);
    }
  });

  it('.env.example provides every variable the compose file requires', () => {
    const required = requiredVariables(read('docker-compose.yml'));
    expect([...required].filter((v) => !(v in envExample))).toEqual([]);
    expect(required).toContain('INFLUX_TOKEN');
    expect(required).toContain('POSTGRES_PASSWORD');
    expect(required).toContain('HM_ADMIN_KEY');
    expect(required).toContain('HM_SERVICE_SECRET');
  });

  it('lets the api publish device commands through the load balancer with the secret the edge nodes accept', () => {
    const api = hourmeter.filter(([, s]) => envOf(s).HM_ROLE === 'api');
    expect(api).toHaveLength(1);
    const [, apiService] = api[0]!;
    const apiEnv = envOf(apiService);
    expect(apiEnv.HM_MQTT_URL).toBe(`mqtt://mqtt-lb:${containerPort(compose.services['mqtt-lb']!.ports![0]!)}`);
    expect(dependencies(apiService)).toContain('mqtt-lb');
    for (const [name, s] of brokers) expect(envOf(s).HM_SERVICE_SECRET, name).toBe(apiEnv.HM_SERVICE_SECRET);
  });
});

describe('haproxy.cfg', () => {
  const cfg = read('haproxy/haproxy.cfg');
  const lb = compose.services['mqtt-lb']!;

  it('is mounted by the load balancer service', () => {
    expect(lb.volumes).toContain('./haproxy/haproxy.cfg:/usr/local/etc/haproxy/haproxy.cfg:ro');
  });

  it('targets exactly the broker services on their MQTT port, with health checks', () => {
    const servers = [...cfg.matchAll(/^\s*server\s+(\S+)\s+([^\s:]+):(\d+)(.*)$/gm)].map((m) => ({
      host: m[2]!,
      port: Number(m[3]),
      line: m[0],
    }));
    expect(servers.map((s) => s.host).sort()).toEqual(brokers.map(([n]) => n).sort());
    for (const s of servers) {
      const broker = compose.services[s.host]!;
      expect(s.port).toBe(loadConfig(envOf(broker)).HM_MQTT_PORT);
    }
    expect(cfg).toMatch(/default-server[^\n]*\bcheck\b/);
    // PROXY headers on exactly when the brokers expect them: either side alone drops every connection.
    const sendsProxy = /^\s*(default-server|server)\s[^\n]*\bsend-proxy(-v2)?\b/m.test(cfg);
    for (const [name, s] of brokers) expect(loadConfig(envOf(s)).HM_MQTT_PROXY_PROTOCOL, name).toBe(sendsProxy);
    expect(dependencies(lb).sort()).toEqual(brokers.map(([n]) => n).sort());
  });

  it('balances TCP on the port the service publishes', () => {
    expect(cfg).toMatch(/^\s*mode tcp$/m);
    const bind = /^\s*bind\s+[^:\s]*:(\d+)/m.exec(cfg);
    expect(bind).not.toBeNull();
    expect((lb.ports ?? []).map(containerPort)).toContain(Number(bind![1]));
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
    env?: { name: string; value?: string; valueFrom?: unknown }[];
    envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  }
  interface Doc {
    kind: string;
    metadata: { name: string };
    data?: Record<string, string>;
    spec?: { template?: { spec: { containers: Container[] } }; volumeClaimTemplates?: unknown[] };
  }
  const docs = parseAllDocuments(read('k8s/hourmeter.yaml')).map((d) => d.toJS() as Doc);
  const workloads = docs.filter((d) => d.spec?.template);
  // Names the Secret must hold (see the file's header); the ConfigMap holds the rest.
  const SECRET_KEYS = ['DATABASE_URL', 'INFLUX_TOKEN', 'HM_ADMIN_KEY', 'HM_REDIS_URL', 'HM_SERVICE_SECRET'];

  it('sets only configuration variables, and runs every role', () => {
    const configMap = docs.find((d) => d.kind === 'ConfigMap')!;
    const names = [...Object.keys(configMap.data ?? {}), ...SECRET_KEYS];
    const roles = new Set<string>();
    for (const w of workloads) {
      for (const c of w.spec!.template!.spec.containers) {
        expect(c.command?.join(' ')).toContain('services/server/src/main.ts');
        for (const e of c.env ?? []) {
          names.push(e.name);
          if (e.name === 'HM_ROLE') roles.add(String(e.value));
        }
      }
    }
    expect(names.filter((n) => !schemaKeys.has(n))).toEqual([]);
    expect(roles).toEqual(new Set(ROLES));
  });

  it('keeps a spool volume per broker pod (StatefulSet volume claim template)', () => {
    const broker = docs.find((d) => d.kind === 'StatefulSet' && d.metadata.name === 'hourmeter-broker');
    expect(broker?.spec?.volumeClaimTemplates).toHaveLength(1);
  });
});
