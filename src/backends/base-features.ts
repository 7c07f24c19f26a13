import type { DialectFeatures } from '../sql/dialect.ts'

/**
 * Capability flags. Backends override these; compilers, the query layer and tests branch on them, never on a
 * vendor name. Each flag has its default here.
 */
export class BaseFeatures implements DialectFeatures {
  /** Vendor name for messages and reports only. */
  readonly vendor: string = 'base'
  /** Maximum bound parameters in one statement; bulk writes and `in` lists are split to fit. */
  readonly maxBindParams: number = 999
  /** An array can be bound as one parameter (`= ANY($1)`), so `in` lists need one placeholder. */
  readonly hasArrayParams: boolean = false
  /**
   * A list can be bound as one JSON array parameter and read back as rows (`json_each`, `JSON_TABLE`): `in`
   * lists too long for one placeholder per value use it.
   */
  readonly canBindJsonList: boolean = false
  /**
   * The native case-insensitive LIKE folds ASCII only (SQLite): `i…` lookups with a non-ASCII pattern switch to
   * a Unicode-aware function, so `{ icontains: 'émile' }` matches 'Émile' as on the servers.
   */
  readonly foldsCaseAsciiOnly: boolean = false
  /** `INSERT … RETURNING` gives back generated keys. */
  readonly canReturnRowsFromInsert: boolean = true
  /** `INSERT … RETURNING` works on multi-row inserts with rows in insertion order. */
  readonly canReturnRowsFromBulkInsert: boolean = true
  /** `UPDATE … RETURNING`. */
  readonly canReturnRowsFromUpdate: boolean = true
  /** `CREATE INDEX … WHERE …`. */
  readonly supportsPartialIndexes: boolean = true
  /** `ORDER BY x NULLS FIRST|LAST` syntax (otherwise emulated with `x IS NULL`). */
  readonly supportsNullsOrdering: boolean = true
  /** `CREATE INDEX CONCURRENTLY` (builds without locking writes; outside a transaction). */
  readonly canCreateIndexConcurrently: boolean = false
  /** `SELECT … FOR UPDATE`. */
  readonly supportsSelectForUpdate: boolean = false
  /** `COUNT(x) FILTER (WHERE …)` (otherwise emulated with CASE). */
  readonly supportsAggregateFilter: boolean = true
  /** DDL inside a transaction rolls back with it. */
  readonly supportsTransactionalDdl: boolean = true
  /** Row value comparison `(a, b) < (?, ?)`. */
  readonly supportsRowValues: boolean = true
  /** `INSERT … ON CONFLICT DO NOTHING` / `INSERT IGNORE`. */
  readonly supportsIgnoreConflicts: boolean = true
  /**
   * Ignoring conflicts skips unique violations only (`ON CONFLICT DO NOTHING`), so many-to-many `add()` can insert
   * every link in one statement and let the database skip the existing ones.
   */
  readonly canIgnoreUniqueConflictsOnly: boolean = true
  /** Upsert updating named columns on conflict. */
  readonly supportsUpdateConflicts: boolean = true
  /** The upsert names its conflict target columns (PostgreSQL, SQLite; MySQL uses any unique key). */
  readonly supportsUpdateConflictsWithTarget: boolean = true
  /** `OFFSET` needs a `LIMIT` before it. */
  readonly requiresLimitForOffset: boolean = false
  /** `EXPLAIN ANALYZE` (runs the statement). */
  readonly supportsExplainAnalyze: boolean = false
  /** Longest identifier the database keeps (names are shortened with a hash beyond it). */
  readonly maxIdentifierLength: number = 128
  /** A subquery on the table being updated or deleted needs wrapping in a derived table (MySQL). */
  readonly requiresDerivedTableForSelfSubquery: boolean = false
  /** Timestamps keep a time zone (PostgreSQL `timestamptz`); otherwise UTC is stored without one. */
  readonly hasTimezoneAwareTimestamps: boolean = false
  /** Rows can be streamed with a server-side cursor rather than read in LIMIT/OFFSET chunks. */
  readonly hasServerSideCursors: boolean = false
  /**
   * `Connection.stream` exists (a server-side cursor or the driver's row iterator); otherwise `iterator()` reads in
   * LIMIT/OFFSET chunks.
   */
  readonly canStreamRows: boolean = false
  /**
   * `UPDATE t SET … FROM (VALUES …) AS v WHERE t.pk = v.column1` (PostgreSQL, SQLite ≥ 3.33): `bulkUpdate` is one
   * statement per batch. Otherwise it joins a derived table: `UPDATE t JOIN (SELECT … UNION ALL …) v ON … SET …`.
   */
  readonly supportsUpdateFromValues: boolean = true
  /**
   * `INSERT … SELECT * FROM UNNEST($1::t[], …)`: `bulkCreate` binds one array per column, so one statement text
   * (one prepared statement) serves every row count.
   */
  readonly canInsertFromArrays: boolean = false
  /**
   * `UPDATE t SET … FROM UNNEST($1::t[], …) AS v(c0, …) WHERE t.pk = v.c0`: `bulkUpdate` binds one array per column.
   * Two parameters instead of one per value: PostgreSQL plans it in under a millisecond (VALUES with 20,000
   * parameters: ~45 ms), and its row estimate lets the planner join by the primary key index, where a VALUES list
   * of 10,000 rows got a hash join over a full scan of the table (bench/notes.md, W7).
   */
  readonly canUpdateFromArrays: boolean = false
  /** With no NULLS FIRST/LAST, NULL sorts before every value in ascending order (SQLite, MySQL; not PostgreSQL). */
  readonly hasNullsFirstWhenAscending: boolean = true
  /**
   * The planner turns a row value comparison `(a, b) < (?, ?)` into an index range, so keyset pagination uses it
   * (otherwise the expanded `a < ? OR (a = ? AND b < ?)` form, which every planner ranges on).
   */
  readonly canUseIndexForRowValueComparison: boolean = true
  /** Several connections (a pool): concurrent queries run in parallel. */
  readonly hasConnectionPool: boolean = false
}
