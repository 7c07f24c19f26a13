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
 * Driver error → the PEP 249 tree, the one place database errors are built: the driver's error stays as `cause`, the
 * statement (placeholders only) as `sql`. A `QuarryError` passes through untouched.
 *
 * @example
 * translateDriverError(e, 'INSERT …', () => ({ kind: 'integrity', vendorCode: '23505', message: 'duplicate key …' }))
 * // → IntegrityError { vendorCode: '23505', sql: 'INSERT …', cause: e }
 */
export function translateDriverError(
  error: unknown,
  sql: string | undefined,
  classify: (error: unknown) => DriverErrorInfo,
): Error {
  if (error instanceof QuarryError) return error
  const { kind, vendorCode, message } = classify(error)
  return new TREE[kind](message, { cause: error, vendorCode, sql })
}
