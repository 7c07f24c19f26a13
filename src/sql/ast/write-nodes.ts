import type { Field } from '../../model/fields/field.ts'
import type { Expr } from './expression-nodes.ts'
import type { SelectNode } from './select-node.ts'

export interface ReturningColumn {
  readonly column: string
}

export interface OnConflictNode {
  /** `DO NOTHING` when absent. */
  readonly update?: readonly string[]
  /** Conflict target columns (required by PostgreSQL and SQLite for DO UPDATE). */
  readonly target?: readonly string[]
}

/** `INSERT INTO t (cols) VALUES (…), (…) [ON CONFLICT …] [RETURNING …]` */
export interface InsertNode {
  readonly k: 'insert'
  readonly table: string
  readonly columns: readonly string[]
  readonly rows: readonly (readonly Expr[])[]
  readonly returning?: readonly string[] | undefined
  readonly onConflict?: OnConflictNode | undefined
}

/**
 * A many-row INSERT whose values are bound positionally, already converted for the driver: parameter `r * n + c`
 * is row r, column c. With `fromArrays` (features.canInsertFromArrays) it is instead one array parameter per column,
 * `INSERT … SELECT * FROM UNNEST($1::t[], …)`: one statement text whatever the row count.
 */
export interface BulkInsertNode {
  readonly k: 'bulkInsert'
  readonly table: string
  readonly fields: readonly Field[]
  readonly rows: number
  readonly fromArrays: boolean
  readonly returning?: readonly string[] | undefined
  readonly onConflict?: OnConflictNode | undefined
}

/**
 * `UPDATE t SET c = v.c … FROM (VALUES (pk, c…), …) v WHERE t.pk = v.pk`, or the JOIN form where UPDATE … FROM is
 * missing (features.supportsUpdateFromValues). Parameter `r * (n + 1)` is row r's primary key, then its n values.
 */
export interface BulkUpdateNode {
  readonly k: 'bulkUpdate'
  readonly table: string
  readonly pk: Field
  readonly fields: readonly Field[]
  readonly rows: number
  /** One array parameter per column, `FROM UNNEST(…)` (features.canUpdateFromArrays): parameter c is column c. */
  readonly fromArrays?: boolean
}

/** `UPDATE t SET c = e, … WHERE …` — conditions needing joins arrive as `pk IN (subquery)`. */
export interface UpdateNode {
  readonly k: 'update'
  readonly table: string
  readonly sets: readonly (readonly [string, Expr])[]
  readonly where?: Expr | undefined
}

/** `DELETE FROM t WHERE …` */
export interface DeleteNode {
  readonly k: 'delete'
  readonly table: string
  readonly where?: Expr | undefined
}

/** Raw text from the `sql` tag, its values as parameters. */
export interface RawNode {
  readonly k: 'rawStatement'
  readonly parts: readonly string[]
  readonly args: readonly Expr[]
}

export type StatementNode =
  | SelectNode
  | InsertNode
  | UpdateNode
  | DeleteNode
  | RawNode
  | BulkInsertNode
  | BulkUpdateNode
