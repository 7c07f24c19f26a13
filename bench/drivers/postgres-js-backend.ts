// quarry's PostgreSQL backend with postgres.js in place of pg, for the driver comparison only (run.ts).
import postgres from 'postgres'
import type { Backend, Connection, Lease, QueryOptions, RunResult } from '../../src/backends/backend.ts'
import { translatePostgresError } from '../../src/backends/postgres/postgres-errors.ts'
import { PostgresFeatures } from '../../src/backends/postgres/postgres-features.ts'
import { PostgresIntrospector } from '../../src/backends/postgres/postgres-introspector.ts'
import { PostgresOperations } from '../../src/backends/postgres/postgres-operations.ts'
import { PostgresSchemaEditor } from '../../src/backends/postgres/postgres-schema-editor.ts'
import type { Field } from '../../src/model/fields/field.ts'
import { SqlCompiler } from '../../src/sql/compiler/sql-compiler.ts'

type Sql = postgres.Sql<Record<string, never>> | postgres.ReservedSql<Record<string, never>>

/** int8 as number, like the pg backend; timestamps stay Date (postgres.js default). */
const types = { int8: { to: 20, from: [20], serialize: (v: unknown) => String(v), parse: (v: string) => Number(v) } }

class PostgresJsConnection implements Connection {
  readonly #sql: Sql
  constructor(sql: Sql) {
    this.#sql = sql
  }
  async rows(text: string, params: readonly unknown[], _options?: QueryOptions): Promise<unknown[][]> {
    return (await this.#sql.unsafe(text, params as never[], { prepare: true }).values()) as unknown[][]
  }
  async objects(text: string, params: readonly unknown[]): Promise<Record<string, unknown>[]> {
    return [...(await this.#sql.unsafe(text, params as never[], { prepare: true }))] as Record<string, unknown>[]
  }
  async run(text: string, params: readonly unknown[]): Promise<RunResult> {
    const r = await this.#sql.unsafe(text, params as never[], { prepare: true })
    return { rowCount: r.count }
  }
  async exec(text: string): Promise<void> {
    await this.#sql.unsafe(text)
  }
}

export class PostgresJsBackend implements Backend {
  readonly vendor = 'postgres'
  readonly features = new PostgresFeatures()
  readonly ops = new PostgresOperations()
  readonly compiler = new SqlCompiler(this.ops, this.features)
  readonly schemaEditor = new PostgresSchemaEditor(this.ops, this.features)
  readonly introspector = new PostgresIntrospector((fn) => this.withConnection(fn))
  readonly #sql: postgres.Sql<Record<string, never>>
  readonly #pooled: PostgresJsConnection

  constructor(url: string, max = 10) {
    this.#sql = postgres(url, { max, types, onnotice: () => {} }) as unknown as postgres.Sql<Record<string, never>>
    this.#pooled = new PostgresJsConnection(this.#sql)
  }
  async acquire(): Promise<Lease> {
    const reserved = await this.#sql.reserve()
    return { conn: new PostgresJsConnection(reserved), release: () => reserved.release() }
  }
  /** postgres.js pools per query: outside a transaction every statement may take any connection. */
  async withConnection<T>(fn: (c: Connection) => T | Promise<T>): Promise<T> {
    return fn(this.#pooled)
  }
  translateError(error: unknown, sql: string | undefined): Error {
    return translatePostgresError(error, sql)
  }
  beginSql(): string {
    return 'BEGIN'
  }
  columnType(field: Field): string {
    return this.schemaEditor.columnType(field)
  }
  async close(): Promise<void> {
    await this.#sql.end()
  }
}
