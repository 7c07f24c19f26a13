/**
 * The whole error hierarchy. Every error quarry throws is a `QuarryError` with a stable `code`.
 *
 * Database errors follow PEP 249 (`DatabaseError` → `IntegrityError`, `OperationalError`, …) and keep the
 * driver's error as `cause` and its SQLSTATE / errno as `vendorCode`. Usage errors say what to do next.
 * No message ever contains a bound parameter value.
 */

/** Codes of `StateError`: something called in a state where it cannot work. */
export type StateErrorCode =
  /** `db.close()` was called; connect again. */
  | 'DATABASE_CLOSED'
  /** A sliced QuerySet was filtered, reordered, updated or deleted (its window would change). */
  | 'QUERY_SLICED'
  /** The instance has no primary key yet: save it first. */
  | 'NOT_SAVED'
  /** A related instance was assigned before it was saved. */
  | 'UNSAVED_RELATED'
  /** The instance was not made through a database (`db.Model.build()` / `create()`). */
  | 'NO_DATABASE'
  /** A related manager was asked for a relation that is not to-many. */
  | 'NOT_TO_MANY'
  /** A relation was iterated as an array without being prefetched. */
  | 'RELATION_NOT_LOADED'
  /** A related manager needs the relation's `relatedName`, and it is `'+'`. */
  | 'RELATED_NAME_REQUIRED'
  /** The connection cannot stream rows (`iterator()`). */
  | 'NO_STREAM'
  /** An interceptor called `next()` twice. */
  | 'INTERCEPTOR_NEXT_TWICE'
  /** A `Paginator` method that needs the count ran before it was loaded (`await paginator.numPages()`). */
  | 'COUNT_NOT_LOADED'

/** Codes of `CacheError` (quarry/cache, quarry/http). */
export type CacheErrorCode =
  /** A key that is empty, too long, or has whitespace or control characters. */
  | 'INVALID_CACHE_KEY'
  /** A bad cache option (ttl, prefix, version, maxEntries…). */
  | 'CACHE_OPTION'
  /** A cache URL that is not memory://, redis:// or dummy://, or has a bad parameter. */
  | 'CACHE_URL'
  /** A value the codec cannot store (a function, a class instance other than a model). */
  | 'CACHE_ENCODE'
  /** A stored value not in quarry's format. */
  | 'CACHE_DECODE'
  /** A cached model instance whose model this cache does not know (pass the cache to connect()). */
  | 'CACHE_UNKNOWN_MODEL'
  /** incr/decr of a missing key. */
  | 'CACHE_MISS'
  /** incr/decr of a value that is not an integer. */
  | 'CACHE_NOT_INTEGER'
  /** The store did not answer within `timeoutMs`. */
  | 'CACHE_TIMEOUT'
  /** The store is down, for an operation whose result the caller needs (add, incr, delete, touch, clear). */
  | 'CACHE_UNAVAILABLE'

/**
 * Every `code` a `QuarryError` can carry: stable, documented in docs/errors.md, safe to branch on. A new error
 * adds its code here.
 */
export type ErrorCode =
  | 'IMPROPERLY_CONFIGURED'
  | 'FIELD_ERROR'
  | 'INVALID_VALUE'
  | 'DOES_NOT_EXIST'
  | 'MULTIPLE_OBJECTS_RETURNED'
  | 'DEFERRED_FIELD'
  | 'LAZY_LOAD'
  | 'INVALID_CURSOR'
  | 'PAGE_NOT_AN_INTEGER'
  | 'EMPTY_PAGE'
  | 'RAW_SQL_NOT_TAGGED'
  | 'QUERY_COUNT'
  /** quarry's own invariant broke: a shape key named two statements (a bug; please report it). */
  | 'SHAPE_COLLISION'
  | StateErrorCode
  | CacheErrorCode
  // The PEP 249 tree (`DatabaseError` and its subclasses).
  | 'DATABASE_ERROR'
  | 'DATA_ERROR'
  | 'OPERATIONAL_ERROR'
  | 'INTEGRITY_ERROR'
  | 'INTERNAL_ERROR'
  | 'PROGRAMMING_ERROR'
  | 'NOT_SUPPORTED'

export class QuarryError extends Error {
  readonly code: ErrorCode
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.code = code
    this.name = new.target.name
  }
}

/** The schema or the connection options are wrong; raised when they are defined, not when used. */
export class ImproperlyConfigured extends QuarryError {
  constructor(message: string) {
    super('IMPROPERLY_CONFIGURED', message)
  }
}

/** A field, lookup or path that does not exist. Lists the valid names. */
export class FieldError extends QuarryError {
  readonly choices: readonly string[]
  constructor(message: string, choices: readonly string[] = []) {
    super('FIELD_ERROR', choices.length ? `${message} ${didYouMean(message, choices)}` : message)
    this.choices = choices
  }
}

/** A value of the wrong type for its field. The message names the field and the expected type, not the value. */
export class InvalidValueError extends QuarryError {
  constructor(message: string) {
    super('INVALID_VALUE', message)
  }
}

/** `get()` found no row. */
export class DoesNotExist extends QuarryError {
  readonly model: string
  constructor(model: string) {
    super('DOES_NOT_EXIST', `${model} matching query does not exist. Use .first() to get null instead.`)
    this.model = model
  }
}

/** `get()` found more than one row. */
export class MultipleObjectsReturned extends QuarryError {
  readonly model: string
  constructor(model: string, count: number) {
    super(
      'MULTIPLE_OBJECTS_RETURNED',
      `get() returned more than one ${model} (${count}${count >= 21 ? ' or more' : ''}). Narrow the filter, or use .filter() / .first().`,
    )
    this.model = model
  }
}

/** A field left out by `only()` / `defer()` was read. quarry never runs a hidden query for it. */
export class DeferredFieldError extends QuarryError {
  constructor(model: string, field: string) {
    super(
      'DEFERRED_FIELD',
      `${model}.${field} was not loaded (deferred by only()/defer()). Add '${field}' to only(), remove it from defer(), or call refreshFromDb({ fields: ['${field}'] }).`,
    )
  }
}

/** A lazy relation load refused by `fetchMode('raise')` or `nPlusOne: 'raise'`. */
export class LazyLoadError extends QuarryError {
  constructor(message: string) {
    super('LAZY_LOAD', message)
  }
}

/** A keyset cursor that was tampered with or belongs to another query. */
export class InvalidCursor extends QuarryError {
  constructor(message: string) {
    super('INVALID_CURSOR', message)
  }
}

/** A `Paginator` page number that cannot be served (Django's `InvalidPage`). */
export class InvalidPage extends QuarryError {
  constructor(code: 'PAGE_NOT_AN_INTEGER' | 'EMPTY_PAGE', message: string) {
    super(code, message)
  }
}
/** The page number is not an integer: `paginator.getPage()` serves page 1 instead. */
export class PageNotAnInteger extends InvalidPage {
  constructor(message: string) {
    super('PAGE_NOT_AN_INTEGER', message)
  }
}
/** The page number is below 1 or past the last page: `paginator.getPage()` serves the last page instead. */
export class EmptyPage extends InvalidPage {
  constructor(message: string) {
    super('EMPTY_PAGE', message)
  }
}

/** Raw SQL given as a plain string instead of the `sql` tag. */
export class RawSqlError extends QuarryError {
  constructor(message: string) {
    super('RAW_SQL_NOT_TAGGED', message)
  }
}

/** Something was called in a state where it cannot work (a closed database, a transaction misuse…). */
export class StateError extends QuarryError {
  declare readonly code: StateErrorCode
  constructor(code: StateErrorCode, message: string) {
    super(code, message)
  }
}

/**
 * A cache used wrongly: a bad key, URL or option, or a value the codec cannot store. A cache that is down is
 * never an error for the caller of the query cache or `cachePage` (they degrade to the database).
 */
export class CacheError extends QuarryError {
  declare readonly code: CacheErrorCode
  constructor(code: CacheErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options)
  }
}

// ---- PEP 249 tree -----------------------------------------------------------------------------------------

export interface DatabaseErrorOptions {
  /** The driver's error: kept private, see `unsafeDriverError()`. */
  cause?: unknown
  /** The driver error's structural fields (codes, names; never values): the public `cause`. */
  details?: Readonly<Record<string, string | number>> | undefined
  vendorCode?: string | number | undefined
  sql?: string | undefined
}

/**
 * An error reported by the database or its driver. Its message, `cause` and every other field carry no row values:
 * they are built from the error's structure (codes, constraint, table and column names), not by editing the
 * driver's message. The driver's own error, which may quote values (PostgreSQL's `detail`, MySQL's message), is
 * kept out of logs and reachable only by asking for it: `err.unsafeDriverError()`.
 */
export class DatabaseError extends QuarryError {
  /** SQLSTATE (PostgreSQL), errno (MySQL) or extended result code (SQLite). */
  readonly vendorCode: string | number | undefined
  /** The statement, with placeholders (never values). */
  readonly sql: string | undefined
  readonly #driverError: unknown
  constructor(message: string, options: DatabaseErrorOptions = {}, code: ErrorCode = 'DATABASE_ERROR') {
    super(code, message, options.details ? { cause: options.details } : undefined)
    this.vendorCode = options.vendorCode
    this.sql = options.sql
    this.#driverError = options.cause
  }

  /**
   * The driver's original error, as thrown. It may quote the values of the statement or the row (personal data):
   * do not log it in production.
   *
   * @example
   * catch (e) { if (e instanceof DatabaseError) debug(e.unsafeDriverError()) }
   */
  unsafeDriverError(): unknown {
    return this.#driverError
  }
}
export class DataError extends DatabaseError {
  constructor(message: string, options?: DatabaseErrorOptions) {
    super(message, options, 'DATA_ERROR')
  }
}
export class OperationalError extends DatabaseError {
  constructor(message: string, options?: DatabaseErrorOptions) {
    super(message, options, 'OPERATIONAL_ERROR')
  }
}
export class IntegrityError extends DatabaseError {
  constructor(message: string, options?: DatabaseErrorOptions) {
    super(message, options, 'INTEGRITY_ERROR')
  }
}
export class InternalError extends DatabaseError {
  constructor(message: string, options?: DatabaseErrorOptions) {
    super(message, options, 'INTERNAL_ERROR')
  }
}
export class ProgrammingError extends DatabaseError {
  constructor(message: string, options?: DatabaseErrorOptions) {
    super(message, options, 'PROGRAMMING_ERROR')
  }
}
export class NotSupportedError extends DatabaseError {
  constructor(message: string, options?: DatabaseErrorOptions) {
    super(message, options, 'NOT_SUPPORTED')
  }
}

// ---- helpers ----------------------------------------------------------------------------------------------

/** "Did you mean 'title'? Valid names: …" — the closest names by edit distance, then the whole list. */
export function didYouMean(message: string, choices: readonly string[]): string {
  const wanted = /'([^']+)'/.exec(message)?.[1] ?? ''
  const close = choices
    .map((c) => [c, editDistance(wanted.toLowerCase(), c.toLowerCase())] as const)
    .filter(([, d]) => d <= Math.max(2, Math.floor(wanted.length / 3)))
    .sort((a, b) => a[1] - b[1])
    .map(([c]) => `'${c}'`)
  const list = `Choices are: ${[...choices].sort().join(', ')}.`
  return close.length ? `Did you mean ${close.slice(0, 3).join(' or ')}? ${list}` : list
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i)
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!
    row[0] = i
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j]!
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1))
      prev = tmp
    }
  }
  return row[b.length]!
}
