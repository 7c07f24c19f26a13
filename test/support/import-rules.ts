/**
 * The one-way layers of docs/architecture.md, checked by reading the imports of every file in `src/`
 * (test/unit/import-rules.test.ts). A layer is a folder of `src/` (`src/query/…` is `query`), or a top-level file
 * by its name (`src/errors.ts` is `errors`).
 */
import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative, resolve, sep } from 'node:path'

const BELOW_QUERY = ['engine', 'sql', 'backends', 'model', 'diagnostics', 'errors'] as const

/** What each layer may import (besides itself). A layer not listed here is a violation until it is added. */
export const LAYERS: Readonly<Record<string, readonly string[]>> = {
  diagnostics: [],
  errors: [],
  model: ['errors'],
  sql: ['model', 'diagnostics', 'errors'],
  backends: ['sql', 'model', 'errors'],
  engine: ['backends', 'sql', 'model', 'diagnostics', 'errors'],
  query: ['engine', 'sql', 'model', 'diagnostics', 'errors'],
  migrations: ['query', ...BELOW_QUERY],
  cache: ['engine', 'sql', 'model', 'diagnostics', 'errors'],
  profiler: ['engine', 'backends', 'sql', 'model', 'diagnostics', 'errors'],
  database: ['migrations', 'query', 'cache', ...BELOW_QUERY],
  testing: ['database', 'diagnostics', 'errors'],
  http: ['database', 'cache', 'profiler', 'testing', 'migrations', 'query', ...BELOW_QUERY],
  cli: ['http', 'database', 'cache', 'profiler', 'testing', 'migrations', 'query', ...BELOW_QUERY],
  // The public entry points re-export what users need from anywhere.
  index: ['*'],
}

export interface Violation {
  readonly from: string
  readonly to: string
  readonly rule: string
}

/** `src/query/query-set.ts` → `query`; `src/errors.ts` → `errors`. Paths relative to `src/`. */
export function layerOf(file: string): string {
  const parts = file.split('/')
  return parts.length === 1 ? parts[0]!.replace(/\.ts$/, '') : parts[0]!
}

// Static imports and re-exports (`import … from '…'`, `export … from '…'`, `import '…'`) and dynamic `import('…')`.
const IMPORT =
  /(?:^|\n)\s*(?:import|export)\s[^'";]*?from\s*['"]([^'"]+)['"]|(?:^|\n)\s*import\s*['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)/g

/** The relative imports of one source file, resolved to paths relative to `src/`. */
export function importsOf(file: string, source: string): string[] {
  const out: string[] = []
  for (const m of source.matchAll(IMPORT)) {
    const spec = m[1] ?? m[2] ?? m[3]!
    if (!spec.startsWith('.')) continue
    out.push(
      relative('/src', resolve('/src', dirname(file), spec))
        .split(sep)
        .join('/'),
    )
  }
  return out
}

/** Every import in `files` (path relative to `src/` → source text) that its layer may not make. */
export function checkImports(files: ReadonlyMap<string, string>): Violation[] {
  const out: Violation[] = []
  for (const [file, source] of files) {
    const from = layerOf(file)
    const allowed = LAYERS[from]
    for (const target of importsOf(file, source)) {
      const to = layerOf(target)
      if (to === from) continue
      if (!allowed) out.push({ from: file, to: target, rule: `layer '${from}' is not in LAYERS` })
      else if (!allowed.includes('*') && !allowed.includes(to))
        out.push({ from: file, to: target, rule: `${from} may not import ${to}` })
    }
  }
  return out
}

/** Cycles between layers in the actual imports, each as `a -> b -> a`. */
export function layerCycles(files: ReadonlyMap<string, string>): string[] {
  const edges = new Map<string, Set<string>>()
  for (const [file, source] of files) {
    const from = layerOf(file)
    for (const target of importsOf(file, source)) {
      const to = layerOf(target)
      if (to === from) continue
      let set = edges.get(from)
      if (!set) edges.set(from, (set = new Set()))
      set.add(to)
    }
  }
  const cycles = new Set<string>()
  const walk = (node: string, path: string[]) => {
    const at = path.indexOf(node)
    if (at >= 0) {
      const loop = path.slice(at)
      // One name per cycle however it was entered: rotate to start at its smallest layer.
      const start = loop.indexOf([...loop].sort()[0]!)
      const rotated = [...loop.slice(start), ...loop.slice(0, start)]
      cycles.add([...rotated, rotated[0]].join(' -> '))
      return
    }
    for (const next of edges.get(node) ?? []) walk(next, [...path, node])
  }
  for (const node of edges.keys()) walk(node, [])
  return [...cycles].sort()
}

/** Every `.ts` file under `root` (the `src/` folder), keyed by its path relative to `root`. */
export function readSources(root: string): Map<string, string> {
  const files = new Map<string, string>()
  const visit = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name)
      if (entry.isDirectory()) visit(path)
      else if (entry.name.endsWith('.ts'))
        files.set(relative(root, path).split(sep).join('/'), readFileSync(path, 'utf8'))
    }
  }
  visit(root)
  return files
}
