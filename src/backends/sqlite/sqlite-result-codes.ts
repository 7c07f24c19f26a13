/**
 * SQLite's numeric result codes by name (sqlite3.h), so both drivers report the same `vendorCode`: node:sqlite gives
 * the number (`errcode: 2067`), better-sqlite3 the name (`code: 'SQLITE_CONSTRAINT_UNIQUE'`).
 */
const PRIMARY: Readonly<Record<string, number>> = {
  ERROR: 1,
  INTERNAL: 2,
  PERM: 3,
  ABORT: 4,
  BUSY: 5,
  LOCKED: 6,
  NOMEM: 7,
  READONLY: 8,
  INTERRUPT: 9,
  IOERR: 10,
  CORRUPT: 11,
  NOTFOUND: 12,
  FULL: 13,
  CANTOPEN: 14,
  PROTOCOL: 15,
  EMPTY: 16,
  SCHEMA: 17,
  TOOBIG: 18,
  CONSTRAINT: 19,
  MISMATCH: 20,
  MISUSE: 21,
  NOLFS: 22,
  AUTH: 23,
  FORMAT: 24,
  RANGE: 25,
  NOTADB: 26,
  NOTICE: 27,
  WARNING: 28,
}

/** Extended codes: `PRIMARY | (n << 8)`, where n is the 1-based position in the list (an empty name skips one). */
const EXTENDED: Readonly<Record<string, readonly string[]>> = {
  ERROR: ['MISSING_COLLSEQ', 'RETRY', 'SNAPSHOT', 'RESERVESIZE', 'KEY', 'UNABLE'],
  IOERR: [
    ...['READ', 'SHORT_READ', 'WRITE', 'FSYNC', 'DIR_FSYNC', 'TRUNCATE', 'FSTAT', 'UNLOCK', 'RDLOCK', 'DELETE'],
    ...['BLOCKED', 'NOMEM', 'ACCESS', 'CHECKRESERVEDLOCK', 'LOCK', 'CLOSE', 'DIR_CLOSE', 'SHMOPEN', 'SHMSIZE'],
    ...['SHMLOCK', 'SHMMAP', 'SEEK', 'DELETE_NOENT', 'MMAP', 'GETTEMPPATH', 'CONVPATH', 'VNODE', 'AUTH'],
    ...['BEGIN_ATOMIC', 'COMMIT_ATOMIC', 'ROLLBACK_ATOMIC', 'DATA', 'CORRUPTFS', 'IN_PAGE', 'BADKEY', 'CODEC'],
  ],
  LOCKED: ['SHAREDCACHE', 'VTAB'],
  BUSY: ['RECOVERY', 'SNAPSHOT', 'TIMEOUT'],
  CANTOPEN: ['NOTEMPDIR', 'ISDIR', 'FULLPATH', 'CONVPATH', 'DIRTYWAL', 'SYMLINK'],
  CORRUPT: ['VTAB', 'SEQUENCE', 'INDEX'],
  READONLY: ['RECOVERY', 'CANTLOCK', 'ROLLBACK', 'DBMOVED', 'CANTINIT', 'DIRECTORY'],
  ABORT: ['', 'ROLLBACK'],
  CONSTRAINT: [
    ...['CHECK', 'COMMITHOOK', 'FOREIGNKEY', 'FUNCTION', 'NOTNULL', 'PRIMARYKEY', 'TRIGGER', 'UNIQUE', 'VTAB'],
    ...['ROWID', 'PINNED', 'DATATYPE'],
  ],
  NOTICE: ['RECOVER_WAL', 'RECOVER_ROLLBACK', 'RBU'],
  WARNING: ['AUTOINDEX'],
  AUTH: ['USER'],
}

const BY_NAME = new Map<string, number>()
for (const [name, code] of Object.entries(PRIMARY)) {
  BY_NAME.set(`SQLITE_${name}`, code)
  EXTENDED[name]?.forEach((ext, i) => {
    if (ext) BY_NAME.set(`SQLITE_${name}_${ext}`, code | ((i + 1) << 8))
  })
}

/**
 * The (extended) result code of a SQLite error from either driver, or undefined if it is not one.
 *
 * @example
 * sqliteResultCode({ code: 'SQLITE_CONSTRAINT_UNIQUE' }) // 2067 (better-sqlite3)
 * sqliteResultCode({ errcode: 2067 })                     // 2067 (node:sqlite)
 */
export function sqliteResultCode(error: unknown): number | undefined {
  const e = error as { errcode?: unknown; code?: unknown } | null | undefined
  if (typeof e?.errcode === 'number') return e.errcode
  if (typeof e?.code !== 'string' || !e.code.startsWith('SQLITE_')) return undefined
  return BY_NAME.get(e.code) ?? BY_NAME.get(e.code.replace(/^(SQLITE_[A-Z]+)_.*$/, '$1'))
}
