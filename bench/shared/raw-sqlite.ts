import { DatabaseSync } from 'node:sqlite'

/** A node:sqlite connection with the settings quarry's SQLite driver uses, for the hand-written side. */
export function openRawSqlite(file: string): DatabaseSync {
  const raw = new DatabaseSync(file)
  raw.exec(
    'PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000; PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL',
  )
  return raw
}
