/**
 * quarry — Django's data layer for TypeScript, built for speed.
 *
 * @example
 * import { model, f, defineSchema, connect } from 'quarry'
 * const Author = model('Author', { name: f.string({ maxLength: 100 }) })
 * const db = await connect('sqlite::memory:', defineSchema({ Author }))
 */
export { type ConnectOptions, connect, Database, type Db, type Router } from './database.ts'
export type { QueryEvent } from './diagnostics/events.ts'
export { withQueryContext } from './diagnostics/query-context.ts'
export type {
  Interceptor,
  Statement,
  StatementKind,
  StatementResult,
  StatementResults,
  TransactionInfo,
} from './engine/interceptors.ts'
export {
  CacheError,
  type CacheErrorCode,
  DatabaseError,
  DataError,
  DeferredFieldError,
  DoesNotExist,
  EmptyPage,
  type ErrorCode,
  FieldError,
  ImproperlyConfigured,
  IntegrityError,
  InternalError,
  InvalidCursor,
  InvalidPage,
  InvalidValueError,
  LazyLoadError,
  MultipleObjectsReturned,
  NotSupportedError,
  OperationalError,
  PageNotAnInteger,
  ProgrammingError,
  QuarryError,
  RawSqlError,
  StateError,
  type StateErrorCode,
} from './errors.ts'
export type { Field } from './model/fields/field.ts'
export { f, type JsonValue } from './model/fields/index.ts'
export { type IndexDef, index, type ModelDef, type ModelOptions, model } from './model/model.ts'
export { defineSchema, type Schema } from './model/schema.ts'
export type { CreateInput, Filter, Instance, Lookups, RelRef, UpdateInput } from './model/types.ts'
export type { BulkCreateOptions, BulkUpdateOptions } from './query/bulk.ts'
export type { FetchMode, NPlusOneMode } from './query/db-core.ts'
export { Avg, Count, F, Max, Min, Q, Sum } from './query/expressions.ts'
export type { NPlusOneReport } from './query/loading/n-plus-one.ts'
export type { PrefetchLookup } from './query/loading/prefetch-types.ts'
export { Manager } from './query/manager.ts'
export type { KeysetPage, PaginateArgs } from './query/pagination/keyset.ts'
export { ELLIPSIS, Page, Paginator, type PaginatorOptions } from './query/pagination/paginator.ts'
export { Prefetch, prefetchRelatedObjects } from './query/prefetch.ts'
export { QuerySet } from './query/query-set.ts'
export { type RelatedItem, RelatedManager } from './query/related-manager.ts'
export { SqlFragment, sql } from './sql/sql-tag.ts'
