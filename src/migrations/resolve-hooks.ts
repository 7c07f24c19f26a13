import { registerHooks } from 'node:module'

let registered = false
let extensionless = false

/**
 * Route `quarry` and `quarry/*` imports of migration files (and, for the CLI, of the user's config and schema) to
 * this copy of quarry: the files run without a build step, and their fields are the classes this copy checks for.
 * `extensionless` also lets relative imports leave out `.ts`, as a bundler would (the CLI loads the user's schema).
 */
export function installResolveHooks(options: { extensionless?: boolean } = {}): void {
  if (options.extensionless) extensionless = true
  if (registered) return
  registered = true
  const ext = import.meta.url.endsWith('.ts') ? '.ts' : '.js'
  const own: Record<string, string> = {
    quarry: new URL(`../index${ext}`, import.meta.url).href,
    'quarry/migrations': new URL(`./index${ext}`, import.meta.url).href,
    'quarry/testing': new URL(`../testing/index${ext}`, import.meta.url).href,
  }
  registerHooks({
    resolve(specifier, context, next) {
      const mapped = own[specifier]
      if (mapped) return { url: mapped, shortCircuit: true }
      if (!extensionless || !/^\.{1,2}\//.test(specifier) || /\.[cm]?[jt]s$/.test(specifier))
        return next(specifier, context)
      try {
        return next(specifier, context)
      } catch (e) {
        for (const suffix of ['.ts', '/index.ts'])
          try {
            return next(specifier + suffix, context)
          } catch {}
        throw e
      }
    },
  })
}
