/**
 * Reads the repository's import graph and package manifests for the architecture
 * test (see ARCHITECTURE.md, "The dependency rule"). Imports are found with the
 * TypeScript compiler's own pre-processor, so `import type`, re-exports and
 * dynamic `import()` all count, and strings or comments that look like imports do not.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, normalize } from 'node:path';
import ts from 'typescript';

export type Layer = 'package' | 'service' | 'simulator' | 'tool';

export interface Workspace {
  /** Folder relative to the repository root, `.` for the root manifest. */
  readonly dir: string;
  readonly name: string;
  readonly layer: Layer;
  readonly declared: ReadonlySet<string>;
}

export interface Import {
  /** Importing file, relative to the repository root. */
  readonly file: string;
  /** The specifier as written. */
  readonly specifier: string;
  /** The npm package a bare specifier names (`@scope/name` or `name`); undefined for relative and built-in ones. */
  readonly pkg: string | undefined;
  /** Repository-relative target of a relative specifier. */
  readonly target: string | undefined;
}

export interface ImportGraph {
  readonly workspaces: readonly Workspace[];
  readonly imports: readonly Import[];
}

const WORKSPACE_PARENTS = ['packages', 'services', 'simulators'] as const;
const LAYER_OF_PARENT: Record<(typeof WORKSPACE_PARENTS)[number], Layer> = {
  packages: 'package',
  services: 'service',
  simulators: 'simulator',
};

const builtins = new Set(builtinModules);

export function packageOf(specifier: string): string | undefined {
  if (specifier.startsWith('.') || specifier.startsWith('/') || specifier.startsWith('node:')) return undefined;
  const pkg = specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0];
  return pkg === undefined || builtins.has(pkg) ? undefined : pkg;
}

/**
 * `createRequire(import.meta.url)('x')` loads CommonJS-only packages (e.g. the
 * broker's mqemitter); the pre-processor sees only plain `require('x')`.
 */
const CREATE_REQUIRE = /createRequire\([^)]*\)\(\s*['"]([^'"]+)['"]\s*\)/g;

export function importsOf(file: string, text: string): Import[] {
  const specifiers = ts.preProcessFile(text, true, true).importedFiles.map((i) => i.fileName);
  for (const m of text.matchAll(CREATE_REQUIRE)) if (m[1] !== undefined) specifiers.push(m[1]);
  return specifiers.map((specifier) => ({
    file,
    specifier,
    pkg: packageOf(specifier),
    target: specifier.startsWith('.') ? normalize(join(dirname(file), specifier)) : undefined,
  }));
}

function manifest(dir: string): { name: string; dependencies?: object; devDependencies?: object } {
  return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name: string };
}

export function readImportGraph(root: string): ImportGraph {
  const dirs = [
    '.',
    'bench',
    ...WORKSPACE_PARENTS.flatMap((parent) => readdirSync(join(root, parent)).map((d) => `${parent}/${d}`)),
  ].filter((dir) => existsSync(join(root, dir, 'package.json')));
  const workspaces = dirs.map((dir): Workspace => {
    const m = manifest(join(root, dir));
    const parent = dir.split('/')[0] as (typeof WORKSPACE_PARENTS)[number];
    return {
      dir,
      name: m.name,
      layer: LAYER_OF_PARENT[parent] ?? 'tool',
      declared: new Set([...Object.keys(m.dependencies ?? {}), ...Object.keys(m.devDependencies ?? {})]),
    };
  });
  const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '*.ts', '*.tsx', '*.js', '*.mjs', '*.cjs'], {
    cwd: root,
    encoding: 'utf8',
  })
    .split('\n')
    .filter((f) => f !== '' && existsSync(join(root, f)));
  const imports = files.flatMap((file) => importsOf(file, readFileSync(join(root, file), 'utf8')));
  return { workspaces, imports };
}

/** The workspace a file belongs to: the deepest workspace folder holding it (the root holds test/ and infra/). */
export function workspaceOf(graph: ImportGraph, file: string): Workspace {
  let best: Workspace | undefined;
  for (const ws of graph.workspaces) {
    if ((ws.dir === '.' || file.startsWith(`${ws.dir}/`)) && (best === undefined || ws.dir.length > best.dir.length)) best = ws;
  }
  if (best === undefined) throw new Error(`no workspace holds ${file}`);
  return best;
}
