import { BaseFeatures } from '../base-features.ts'

/** What the server said it is, read once when the backend connects. */
export interface MysqlServer {
  /** MariaDB rather than Oracle MySQL. */
  readonly mariadb: boolean
  /** `[major, minor]`, e.g. `[10, 11]`. */
  readonly version: readonly [number, number]
}

const atLeast = (s: MysqlServer, major: number, minor: number) =>
  s.version[0] > major || (s.version[0] === major && s.version[1] >= minor)

/** MySQL 8.0+ and MariaDB 10.5+; a few flags depend on which one answered. */
export class MysqlFeatures extends BaseFeatures {
  override readonly vendor = 'mysql'
  override readonly maxBindParams = 65535
  /** JSON_TABLE: MySQL 8.0.4+, MariaDB 10.6+. */
  override readonly canBindJsonList = true
  /** MariaDB 10.5+ has `INSERT … RETURNING` (rows in insertion order); MySQL has none and reports `insertId`. */
  override readonly canReturnRowsFromInsert: boolean
  override readonly canReturnRowsFromBulkInsert: boolean
  override readonly canReturnRowsFromUpdate = false
  override readonly supportsPartialIndexes = false
  override readonly supportsNullsOrdering = false
  override readonly supportsSelectForUpdate = true
  override readonly supportsAggregateFilter = false
  /** DDL commits the open transaction implicitly. */
  override readonly supportsTransactionalDdl = false
  /** `ON DUPLICATE KEY UPDATE` fires on any unique key; it cannot name one. */
  override readonly supportsUpdateConflictsWithTarget = false
  override readonly requiresLimitForOffset = true
  /** MariaDB `ANALYZE SELECT …`, MySQL 8.0.18+ `EXPLAIN ANALYZE`. */
  override readonly supportsExplainAnalyze: boolean
  override readonly maxIdentifierLength = 64
  /** "You can't specify target table for update in FROM clause" (error 1093). */
  override readonly requiresDerivedTableForSelfSubquery = true
  override readonly hasConnectionPool = true
  /** `INSERT IGNORE` also turns foreign key and value errors into warnings: add() looks the links up first. */
  override readonly canIgnoreUniqueConflictsOnly = false
  /** No `UPDATE … FROM`; MySQL and MariaDB spell a VALUES table differently, so bulk updates join a UNION ALL. */
  override readonly supportsUpdateFromValues = false
  /** MariaDB's range optimizer does not use an index for `(a, b) < (?, ?)` (EXPLAIN shows a full scan). */
  override readonly canUseIndexForRowValueComparison = false
  /** mysql2 streams the rows of a prepared statement, the connection paused between chunks (no server cursor). */
  override readonly canStreamRows = true
  readonly server: MysqlServer

  constructor(server: MysqlServer) {
    super()
    this.server = server
    this.canReturnRowsFromInsert = server.mariadb && atLeast(server, 10, 5)
    this.canReturnRowsFromBulkInsert = this.canReturnRowsFromInsert
    this.supportsExplainAnalyze = server.mariadb || atLeast(server, 8, 0)
  }
}
