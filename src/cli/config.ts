import { existsSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { ImproperlyConfigured } from '../errors.ts'
import type { QuarryConfig } from '../migrations/config.ts'
import { installResolveHooks } from '../migrations/resolve-hooks.ts'
import { Schema } from '../model/schema.ts'

const CONFIG_NAMES = ['quarry.config.ts', 'quarry.config.mts', 'quarry.config.js', 'quarry.config.mjs']

export interface LoadedConfig {
  config: QuarryConfig
  /** The config file's folder: paths in it are relative to it. */
  root: string
  file: string
  migrationsDir: string
}

/** `quarry.config.ts` in the current folder or the nearest one above it, or the `--config` file. */
export function findConfig(explicit: string | undefined, cwd = process.cwd()): string {
  if (explicit) {
    const file = resolve(cwd, explicit)
    if (!existsSync(file)) throw new ImproperlyConfigured(`--config ${explicit}: no such file.`)
    return file
  }
  let dir = resolve(cwd)
  for (;;) {
    for (const name of CONFIG_NAMES) if (existsSync(join(dir, name))) return join(dir, name)
    const up = dirname(dir)
    if (up === dir) break
    dir = up
  }
  throw new ImproperlyConfigured(
    `No quarry.config.ts in ${cwd} or above it. Create one (see docs/migrations.md):\n  import { defineConfig } from 'quarry/migrations'\n  export default defineConfig({ schema: './src/schema.ts', databases: { default: 'sqlite:./app.db' } })\nor pass --config path/to/quarry.config.ts.`,
  )
}

export async function loadConfig(explicit: string | undefined): Promise<LoadedConfig> {
  installResolveHooks({ extensionless: true })
  const file = findConfig(explicit)
  const shown = relative(process.cwd(), file) || file
  let mod: { default?: unknown }
  try {
    mod = (await import(pathToFileURL(file).href)) as { default?: unknown }
  } catch (e) {
    throw new ImproperlyConfigured(`Cannot load ${shown}: ${firstLine(e)}`)
  }
  const config = mod.default as QuarryConfig | undefined
  if (!config || typeof config !== 'object' || typeof config.schema !== 'string' || !config.databases)
    throw new ImproperlyConfigured(
      `${shown} must export default defineConfig({ schema: './src/schema.ts', databases: { default: '…' } }).`,
    )
  const root = dirname(file)
  return { config, root, file, migrationsDir: resolve(root, config.migrations ?? './migrations') }
}

/** The schema module's `schema` export. */
export async function loadSchema(loaded: LoadedConfig): Promise<Schema> {
  const path = resolve(loaded.root, loaded.config.schema)
  const shown = relative(process.cwd(), path) || path
  if (!existsSync(path))
    throw new ImproperlyConfigured(
      `The schema module ${shown} (schema in ${relative(process.cwd(), loaded.file)}) does not exist.`,
    )
  let mod: Record<string, unknown>
  try {
    mod = (await import(pathToFileURL(path).href)) as Record<string, unknown>
  } catch (e) {
    throw new ImproperlyConfigured(`Cannot load the schema module ${shown}: ${firstLine(e)}`)
  }
  const schema = mod.schema
  if (!(schema instanceof Schema))
    throw new ImproperlyConfigured(
      `${shown} has no export \`schema\`${schema === undefined ? '' : ' made by defineSchema()'}. Add: export const schema = defineSchema({ … })`,
    )
  return schema
}

export function databaseUrl(loaded: LoadedConfig, alias: string): string {
  const url = loaded.config.databases[alias]
  if (typeof url !== 'string')
    throw new ImproperlyConfigured(
      `No database '${alias}' in ${relative(process.cwd(), loaded.file)}. Databases: ${Object.keys(loaded.config.databases).join(', ')}.`,
    )
  // SQLite paths are relative to the config file, like every other path in it.
  const m = /^sqlite:(?!:memory:)(?!\/\/)(.+)$/.exec(url)
  if (m && !m[1]!.startsWith('/')) return `sqlite:${resolve(loaded.root, m[1]!)}`
  return url
}

/** A URL with its password hidden, for messages. */
export function redact(url: string): string {
  return url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@')
}

function firstLine(e: unknown): string {
  const msg = (e as Error)?.message ?? String(e)
  return msg.split('\n')[0] ?? msg
}

export const selfDir = dirname(fileURLToPath(import.meta.url))
