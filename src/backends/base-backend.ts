import type { Field } from '../model/fields/field.ts'
import { SqlCompiler } from '../sql/compiler/sql-compiler.ts'
import type { Backend, Connection, Lease } from './backend.ts'
import type { BaseFeatures } from './base-features.ts'
import type { BaseIntrospector } from './base-introspector.ts'
import type { BaseOperations } from './base-operations.ts'
import type { BaseSchemaEditor } from './base-schema-editor.ts'
import type { LeaseOwner } from './lease-book.ts'

/** What makes a backend one database rather than another, handed to `BaseBackend`. */
export interface BackendParts<F extends BaseFeatures, O extends BaseOperations, S extends BaseSchemaEditor> {
  readonly features: F
  readonly ops: O
  readonly schemaEditor: new (ops: O, features: F, compiler: SqlCompiler) => S
  /** Driver error → the PEP 249 tree (the backend's `*-errors.ts`). */
  readonly translate: (error: unknown, sql: string | undefined) => Error
}

/**
 * What every backend shares: the compiler, schema editor and transaction statement built from its features and
 * operations, and error translation. A backend adds its driver: `acquire`, `withConnection`, `close` and its
 * introspector.
 *
 * @example
 * class PostgresBackend extends BaseBackend<PostgresFeatures, PostgresOperations, PostgresSchemaEditor> {
 *   constructor(url: string) {
 *     super({ features: new PostgresFeatures(), ops: new PostgresOperations(), schemaEditor: PostgresSchemaEditor,
 *       translate: translatePostgresError })
 *   }
 * }
 */
export abstract class BaseBackend<
  F extends BaseFeatures = BaseFeatures,
  O extends BaseOperations = BaseOperations,
  S extends BaseSchemaEditor = BaseSchemaEditor,
> implements Backend
{
  abstract readonly vendor: Backend['vendor']
  readonly features: F
  readonly ops: O
  readonly compiler: SqlCompiler
  readonly schemaEditor: S
  abstract readonly introspector: BaseIntrospector
  readonly #translate: BackendParts<F, O, S>['translate']

  protected constructor(parts: BackendParts<F, O, S>) {
    this.features = parts.features
    this.ops = parts.ops
    this.compiler = new SqlCompiler(parts.ops, parts.features)
    this.schemaEditor = new parts.schemaEditor(parts.ops, parts.features, this.compiler)
    this.#translate = parts.translate
  }

  abstract acquire(owner?: LeaseOwner): Promise<Lease>
  abstract withConnection<T>(fn: (c: Connection) => T | Promise<T>): Promise<T>
  abstract close(): Promise<void>

  translateError(error: unknown, sql: string | undefined): Error {
    return this.#translate(error, sql)
  }
  beginSql(): string {
    return this.ops.beginTransaction()
  }
  columnType(field: Field): string {
    return this.schemaEditor.columnType(field)
  }
}
