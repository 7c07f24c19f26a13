import { ImproperlyConfigured } from '../errors.ts'

/** `quarry.config.ts`: where the schema, the databases and the migrations are. Paths are relative to the file. */
export interface QuarryConfig {
  /** A module whose export `schema` is `defineSchema(...)`. */
  schema: string
  /** Database URLs by alias; `default` is required. */
  databases: Record<string, string>
  /** The migrations folder (default `./migrations`). */
  migrations?: string
  /** Migrate settings (PostgreSQL safety). */
  migrate?: {
    /** `lock_timeout` of each DDL transaction on PostgreSQL, in ms (default 5000). */
    lockTimeoutMs?: number
    /** Attempts when the locks cannot be had in time (default 4, with back-off). */
    lockAttempts?: number
    /** Longest wait for another migrate to release the migration lock, in ms (default 120 000). */
    lockWaitMs?: number
  }
}

/**
 * Declare the project's configuration (the default export of `quarry.config.ts`).
 *
 * @example
 * export default defineConfig({ schema: './src/schema.ts', databases: { default: 'sqlite:./app.db' } })
 */
export function defineConfig(config: QuarryConfig): QuarryConfig {
  if (!config || typeof config.schema !== 'string')
    throw new ImproperlyConfigured("defineConfig needs schema: './path/to/schema.ts' (a module exporting `schema`).")
  if (!config.databases || typeof config.databases.default !== 'string')
    throw new ImproperlyConfigured(
      "defineConfig needs databases: { default: 'sqlite:./app.db' } (a URL for 'default').",
    )
  return config
}
