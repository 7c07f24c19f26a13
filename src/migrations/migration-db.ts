import type { Executor } from '../engine/executor.ts'
import type { Schema } from '../model/schema.ts'
import type { SqlFragment } from '../sql/sql-tag.ts'

/**
 * What migrations need from a connected database. `Database` provides it; migrations sit below the composition
 * root, so they name the shape rather than import it.
 */
export interface MigrationDb {
  readonly executor: Executor
  readonly schema: Schema
  query<T = Record<string, unknown>>(query: SqlFragment, options?: { using?: string }): Promise<T[]>
  execute(query: SqlFragment, options?: { using?: string }): Promise<{ rowCount: number }>
  /** The same connections and open transactions, with other models (historical ones, for `runCode`). */
  withSchema(schema: Schema): MigrationDb
}
