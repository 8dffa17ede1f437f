/**
 * The dependency rule of ARCHITECTURE.md as checks over the import graph.
 * Each violation has a stable key (`rule file -> what`) so known ones can be
 * allow-listed one by one while any new one fails.
 */
import { workspaceOf, type ImportGraph } from './import-graph.js';

export type Rule = 'service-imports-service' | 'package-imports-service' | 'core-imports-adapter' | 'unused-dependency';

export interface Violation {
  readonly rule: Rule;
  /** The importing file, or the manifest for an unused dependency. */
  readonly where: string;
  /** The service, package or file imported, or the dependency declared. */
  readonly what: string;
}

export const keyOf = (v: Violation): string => `${v.rule} ${v.where} -> ${v.what}`;

/** The wiring: the one service that composes the others into a process. */
export const WIRING = 'services/server';

/**
 * Packages that are storage, transport or framework adapters. `core/` holds the
 * rules as plain functions over domain types; it reaches I/O only through ports.
 */
export const ADAPTER_PACKAGES: ReadonlySet<string> = new Set([
  '@hourmeter/db',
  '@hourmeter/telemetry-store',
  '@hourmeter/http',
  '@duckdb/node-api',
  '@influxdata/influxdb-client',
  'aedes',
  'aedes-persistence-redis',
  'better-sqlite3',
  'fastify',
  'ioredis',
  'kysely',
  'mqemitter',
  'mqemitter-redis',
  'mqtt',
  'pg',
  'ws',
]);

/** Declared dependencies used without an import: the tools the npm scripts run. */
export const USED_WITHOUT_IMPORT: ReadonlySet<string> = new Set([
  'eslint', // npm run lint
  'tsx', // npm start, the CLIs and benches
  'typescript', // npm run typecheck (tsc -b)
]);

const CORE = /^(services\/[^/]+\/src)\/core\//;

function coreViolation(file: string, pkg: string | undefined, target: string | undefined): string | undefined {
  const core = CORE.exec(file);
  if (core === null) return undefined;
  if (pkg !== undefined) return ADAPTER_PACKAGES.has(pkg) ? pkg : undefined;
  if (target === undefined) return undefined;
  const src = core[1] as string;
  // Inside core, or the service's ports (the interfaces core is written against).
  if (target.startsWith(`${src}/core/`) || /^ports(\.[jt]s)?$|^ports\//.test(target.slice(src.length + 1))) return undefined;
  return target;
}

export function violations(graph: ImportGraph): Violation[] {
  const byName = new Map(graph.workspaces.map((ws) => [ws.name, ws]));
  const found: Violation[] = [];
  const used = new Map<string, Set<string>>();
  for (const { file, pkg, target } of graph.imports) {
    const from = workspaceOf(graph, file);
    if (pkg !== undefined) {
      const usedHere = used.get(from.dir) ?? new Set<string>();
      usedHere.add(pkg);
      used.set(from.dir, usedHere);
    }
    const to = pkg === undefined ? undefined : byName.get(pkg);
    if (to?.layer === 'service' && to !== from) {
      if (from.layer === 'service' && from.dir !== WIRING) found.push({ rule: 'service-imports-service', where: file, what: to.dir });
      if (from.layer === 'package' || from.layer === 'simulator') found.push({ rule: 'package-imports-service', where: file, what: to.dir });
    }
    const adapter = coreViolation(file, pkg, target);
    if (adapter !== undefined) found.push({ rule: 'core-imports-adapter', where: file, what: adapter });
  }
  for (const ws of graph.workspaces) {
    for (const dep of ws.declared) {
      if (dep.startsWith('@types/') || USED_WITHOUT_IMPORT.has(dep) || used.get(ws.dir)?.has(dep)) continue;
      found.push({ rule: 'unused-dependency', where: ws.dir === '.' ? 'package.json' : `${ws.dir}/package.json`, what: dep });
    }
  }
  return [...new Map(found.map((v) => [keyOf(v), v])).values()];
}
