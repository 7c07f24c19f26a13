/**
 * quarry compiled to JavaScript, as users run it: src/ and the demo schema built with tsconfig.build.json into a
 * folder of their own. Peers run from their packages' JavaScript; quarry's sources through Node's type stripping
 * would carry their TypeScript text and the stripper's memory into every quarry worker (~40 MB of RSS, which W11
 * measures). bench/streaming imports the built modules by path; the peer table's workers redirect their imports of
 * src/ to the build with `redirectToBuild` (a resolve hook), so bench/systems/quarry.ts stays as users write it.
 */
import { execFileSync } from 'node:child_process'
import { symlinkSync, writeFileSync } from 'node:fs'
import { registerHooks } from 'node:module'
import path from 'node:path'
import { pathToFileURL } from 'node:url'

/** The built files mirror the repository: `<out>/src/index.js`, `<out>/examples/demo/schema.js`. */
export function buildQuarry(root: string, dir: string): string {
  const out = path.join(dir, 'build')
  const config = path.join(dir, 'tsconfig.json')
  writeFileSync(
    config,
    JSON.stringify({
      extends: path.join(root, 'tsconfig.build.json'),
      compilerOptions: { rootDir: root, outDir: out, declaration: false, sourceMap: false },
      include: [path.join(root, 'src'), path.join(root, 'examples/demo/schema.ts')],
    }),
  )
  // The build's imports of postgres/mysql2 (and tsc's @types/node) resolve through this link.
  symlinkSync(path.join(root, 'node_modules'), path.join(dir, 'node_modules'), 'dir')
  execFileSync(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', config], {
    stdio: 'inherit',
  })
  return out
}

/**
 * From now on, imports that resolve to quarry's sources (src/**.ts, examples/demo/schema.ts under `root`) load the
 * build in `out` instead.
 */
export function redirectToBuild(root: string, out: string): void {
  const base = pathToFileURL(root).href
  const built = pathToFileURL(out).href
  const schema = `${base}/examples/demo/schema.ts`
  registerHooks({
    resolve(specifier, context, nextResolve) {
      const r = nextResolve(specifier, context)
      if ((r.url.startsWith(`${base}/src/`) && r.url.endsWith('.ts')) || r.url === schema)
        return { ...r, url: `${built}${r.url.slice(base.length, -3)}.js`, format: 'module' }
      return r
    },
  })
}
