import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { importsOf, readImportGraph, type ImportGraph, type Workspace } from './import-graph.js';
import { keyOf, violations } from './rules.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

/**
 * Exactly the violations the code had when this test was written. Each is debt
 * to pay down, not a precedent: remove the line when the code is fixed (the
 * test fails on a stale line, so the list only shrinks).
 */
const KNOWN_VIOLATIONS = [
  // Tests that start a real broker and ingest in-process to feed the code under test;
  // they belong with the other cross-service suites in test/ or behind a shared harness.
  'package-imports-service packages/partitions/src/partition-consumer.test.ts -> services/broker',
  'package-imports-service simulators/fleet/src/platform-counters.test.ts -> services/broker',
  'package-imports-service simulators/fleet/src/platform-counters.test.ts -> services/ingest',
  'service-imports-service services/api/src/routes/metrics.test.ts -> services/broker',
  'service-imports-service services/api/src/routes/metrics.test.ts -> services/ingest',
  'service-imports-service services/ingest/src/pipeline.test.ts -> services/broker',
  'service-imports-service services/ingest/src/testing/broker-ingest-node.ts -> services/broker',
  // HTTP ingest is checked against the MQTT path it shares (same dedupe, same spool), and the
  // bridge feeds a real ingest: both start the other service in-process.
  'service-imports-service services/api/src/routes/device-telemetry.test.ts -> services/broker',
  'service-imports-service services/api/src/routes/device-telemetry.test.ts -> services/ingest',
  'service-imports-service services/api/src/routes/device-telemetry.test.ts -> services/metering',
  'service-imports-service services/bridge/src/bridge.test.ts -> services/ingest',
  'service-imports-service services/bridge/src/sparkplug.test.ts -> services/ingest',
  // The API's embedded test harness builds a real hour meter for the operating-hours routes.
  'service-imports-service services/api/src/routes/operating-hours.test.ts -> services/metering',
  'service-imports-service services/api/src/testing/embedded-api.ts -> services/metering',
  // Rules whose types still live in a storage package (issue 21, "rules in their services"): the stored reading.
  'core-imports-adapter services/ingest/src/core/parse-telemetry.ts -> @hourmeter/telemetry-store',
];

describe('architecture: the dependency rule (ARCHITECTURE.md)', () => {
  const graph = readImportGraph(root);
  const found = violations(graph).map(keyOf);

  it('finds the workspaces and their imports', () => {
    // Guards against a reader that silently sees nothing and so passes.
    expect(graph.workspaces.filter((ws) => ws.layer === 'service').length).toBeGreaterThanOrEqual(10);
    expect(graph.imports.filter((i) => i.pkg === '@hourmeter/domain').length).toBeGreaterThan(50);
  });

  it('has no violation beyond the known ones', () => {
    expect(found.filter((key) => !KNOWN_VIOLATIONS.includes(key))).toEqual([]);
  });

  it('lists no known violation that is gone (shrink the list when one is fixed)', () => {
    expect(KNOWN_VIOLATIONS.filter((key) => !found.includes(key))).toEqual([]);
  });
});

describe('architecture: each rule fires', () => {
  const ws = (dir: string, name: string, layer: Workspace['layer'], declared: string[] = []): Workspace => ({
    dir,
    name,
    layer,
    declared: new Set(declared),
  });
  const graphOf = (files: Record<string, string>): ImportGraph => ({
    workspaces: [
      ws('.', 'root', 'tool'),
      ws('packages/db', '@hourmeter/db', 'package'),
      ws('packages/domain', '@hourmeter/domain', 'package', ['zod', 'left-pad']),
      ws('services/a', '@hourmeter/a', 'service'),
      ws('services/b', '@hourmeter/b', 'service'),
      ws('services/server', '@hourmeter/server', 'service'),
      ws('bench', '@hourmeter/bench', 'tool'),
    ],
    imports: Object.entries(files).flatMap(([file, text]) => importsOf(file, text)),
  });

  it('a service importing another service, except in the wiring and the benches', () => {
    const graph = graphOf({
      'services/a/src/x.test.ts': "import type { B } from '@hourmeter/b';",
      'services/server/src/main.ts': "import { a } from '@hourmeter/a';",
      'bench/src/main.ts': "const b = await import('@hourmeter/b');",
    });
    expect(violations(graph).map(keyOf)).toContain('service-imports-service services/a/src/x.test.ts -> services/b');
    expect(violations(graph).filter((v) => v.rule === 'service-imports-service')).toHaveLength(1);
  });

  it('a package importing a service', () => {
    const graph = graphOf({ 'packages/domain/src/x.ts': "export { a } from '@hourmeter/a';" });
    expect(violations(graph).map(keyOf)).toContain('package-imports-service packages/domain/src/x.ts -> services/a');
  });

  it('core/ importing the database, an adapter package or a file outside core and the ports', () => {
    const graph = graphOf({
      'services/a/src/core/rule.ts': [
        "import type { Db } from '@hourmeter/db';",
        "import { Kysely } from 'kysely';",
        "import { store } from '../adapters/store.js';",
        "import type { Port } from '../ports.js';",
        "import { helper } from './helper.js';",
      ].join('\n'),
    });
    expect(violations(graph).map(keyOf).sort()).toEqual([
      'core-imports-adapter services/a/src/core/rule.ts -> @hourmeter/db',
      'core-imports-adapter services/a/src/core/rule.ts -> kysely',
      'core-imports-adapter services/a/src/core/rule.ts -> services/a/src/adapters/store.js',
      // domain's left-pad and zod are declared but nothing in this graph imports them
      'unused-dependency packages/domain/package.json -> left-pad',
      'unused-dependency packages/domain/package.json -> zod',
    ]);
  });

  it('a declared dependency that nothing in its workspace imports', () => {
    const graph = graphOf({ 'packages/domain/src/x.ts': "import { z } from 'zod/v4';", 'services/a/src/y.ts': "import 'left-pad';" });
    expect(violations(graph).map(keyOf)).toEqual(['unused-dependency packages/domain/package.json -> left-pad']);
  });
});
