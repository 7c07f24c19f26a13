import { relative } from 'node:path'
import { connect, type Database } from '../database.ts'
import { ImproperlyConfigured, OperationalError } from '../errors.ts'
import { MigrationGraph } from '../migrations/graph.ts'
import { type LoadedMigration, loadMigrations } from '../migrations/loader.ts'
import { defineSchema, type Schema } from '../model/schema.ts'
import { databaseUrl, type LoadedConfig, loadConfig, loadSchema, redact } from './config.ts'
import type { CommandContext } from './main.ts'

/** The project a command works on: its config, and (loaded on demand) schema, migrations and database. */
export class Project {
  readonly loaded: LoadedConfig
  readonly alias: string
  #db: Database | undefined

  private constructor(loaded: LoadedConfig, alias: string) {
    this.loaded = loaded
    this.alias = alias
  }

  static async open(ctx: CommandContext): Promise<Project> {
    const loaded = await loadConfig(ctx.values.config as string | undefined)
    return new Project(loaded, (ctx.values.database as string | undefined) ?? 'default')
  }

  get dir(): string {
    return this.loaded.migrationsDir
  }
  get shownDir(): string {
    return relative(process.cwd(), this.dir) || '.'
  }

  schema(): Promise<Schema> {
    return loadSchema(this.loaded)
  }

  migrations(): Promise<LoadedMigration[]> {
    return loadMigrations(this.dir)
  }

  async graph(applied?: ReadonlySet<string>): Promise<MigrationGraph> {
    return new MigrationGraph(await this.migrations(), applied)
  }

  /** A connection to the `--database` database; a server that is down is an error naming the URL (no password). */
  async db(schema?: Schema): Promise<Database> {
    if (this.#db) return this.#db
    const url = databaseUrl(this.loaded, this.alias)
    try {
      this.#db = await openRetryingBusy(() =>
        connect(url, schema ?? defineSchema({}), { pool: { connectTimeoutMs: 5000 } }),
      )
    } catch (e) {
      if (e instanceof ImproperlyConfigured) throw e
      throw new OperationalError(
        `Cannot connect to database '${this.alias}' at ${redact(url)}: ${(e as Error).message}. Check that the server is running and the URL in ${relative(process.cwd(), this.loaded.file)}.`,
        { cause: e, vendorCode: (e as { vendorCode?: string | number }).vendorCode },
      )
    }
    return this.#db
  }

  async close(): Promise<void> {
    await this.#db?.close()
  }

  migrateSettings() {
    return this.loaded.config.migrate ?? {}
  }
}

/** Run `fn` with the project, closing its database after. */
export async function withProject<T>(ctx: CommandContext, fn: (p: Project) => Promise<T>): Promise<T> {
  const p = await Project.open(ctx)
  try {
    return await fn(p)
  } finally {
    await p.close()
  }
}

/**
 * Two `quarry` processes started together on a new SQLite file: while one switches it to WAL the other's open fails
 * with SQLITE_BUSY (5), which no busy handler covers. Retry the open asynchronously for up to 5 s.
 */
async function openRetryingBusy(open: () => Promise<Database>): Promise<Database> {
  const deadline = performance.now() + 5000
  for (let pause = 5; ; pause = Math.min(pause * 2, 100)) {
    try {
      return await open()
    } catch (e) {
      const { vendorCode, errcode } = e as { vendorCode?: unknown; errcode?: unknown }
      const code = typeof vendorCode === 'number' ? vendorCode : errcode
      const busy = typeof code === 'number' && (code & 0xff) === 5
      if (!busy || performance.now() > deadline) throw e
      await new Promise((r) => setTimeout(r, pause))
    }
  }
}
