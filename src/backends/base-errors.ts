import {
  DatabaseError,
  type DatabaseErrorOptions,
  DataError,
  IntegrityError,
  InternalError,
  NotSupportedError,
  OperationalError,
  ProgrammingError,
  QuarryError,
} from '../errors.ts'

/** Where a driver error belongs in the PEP 249 tree. */
export type ErrorKind = 'integrity' | 'data' | 'programming' | 'notSupported' | 'operational' | 'internal' | 'database'

/** What a backend reads from its driver's error: the kind, its vendor code, and a message without row values. */
export interface DriverErrorInfo {
  readonly kind: ErrorKind
  readonly vendorCode: string | number | undefined
  readonly message: string
  /** Structural fields of the driver's error (codes, constraint/table/column names), shown as the error's `cause`. */
  readonly details?: Readonly<Record<string, string | number>> | undefined
}

const TREE: Readonly<Record<ErrorKind, new (message: string, options: DatabaseErrorOptions) => DatabaseError>> = {
  integrity: IntegrityError,
  data: DataError,
  programming: ProgrammingError,
  notSupported: NotSupportedError,
  operational: OperationalError,
  internal: InternalError,
  database: DatabaseError,
}

/**
 * Driver error → the PEP 249 tree, the one place database errors are built: the statement (placeholders only) as
 * `sql`, the driver error's structural fields as `cause`, the driver's error itself behind `unsafeDriverError()`.
 * A `QuarryError` passes through untouched.
 *
 * @example
 * translateDriverError(e, 'INSERT …', () => ({ kind: 'integrity', vendorCode: '23505', message: 'duplicate key …' }))
 * // → IntegrityError { vendorCode: '23505', sql: 'INSERT …', cause: { code: '23505', constraint_name: … } }
 */
export function translateDriverError(
  error: unknown,
  sql: string | undefined,
  classify: (error: unknown) => DriverErrorInfo,
): Error {
  if (error instanceof QuarryError) return error
  const { kind, vendorCode, message, details } = classify(error)
  return new TREE[kind](message, { cause: error, vendorCode, sql, details })
}

/** The named fields of `error` that are strings or numbers, as a frozen plain object (undefined if none). */
export function pick(error: unknown, fields: readonly string[]): Readonly<Record<string, string | number>> | undefined {
  const e = (error ?? {}) as Record<string, unknown>
  let out: Record<string, string | number> | undefined
  for (const f of fields) {
    const v = e[f]
    if (typeof v === 'string' || typeof v === 'number') (out ??= {})[f] = v
  }
  return out && Object.freeze(out)
}
