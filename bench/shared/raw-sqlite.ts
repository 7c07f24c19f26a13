import { DatabaseSync } from 'node:sqlite'

/** A node:sqlite connection with the settings quarry's SQLite driver uses, for the hand-written side. */
export function openRawSqlite(file: string): DatabaseSync {
  const raw = new DatabaseSync(file)
  raw.exec(
    // quarry's page cache since 2026-12-01 17:50 UTC (16 MB, better-sqlite3's default; node:sqlite's own is 2 MB).
    'PRAGMA foreign_keys = ON; PRAGMA cache_size = -16000; PRAGMA busy_timeout = 5000; PRAGMA journal_mode = WAL; ' +
      'PRAGMA synchronous = NORMAL',
  )
  return raw
}
