import type { Field } from '../../model/fields/field.ts'
import type { PatternLookup } from '../../sql/ast/expression-nodes.ts'
import { BaseOperations, type Converter, escapeLike, targetKind } from '../base-operations.ts'
import { columnTypeFor } from '../base-schema-editor.ts'
import { readDateTime } from '../datetime-text.ts'
import type { MysqlServer } from './mysql-features.ts'
import { mysqlDataTypes } from './mysql-schema-editor.ts'

/** `LIMIT` has no "all": MySQL's documented idiom is the largest unsigned 64-bit number. */
const NO_LIMIT = '18446744073709551615'

/**
 * MySQL / MariaDB spelling: backticks, `?`, `LIKE` without `ESCAPE` (backslash is already the escape and would need
 * escaping inside a string literal), `ON DUPLICATE KEY UPDATE`, `INSERT IGNORE`.
 *
 * Case: tables are created with `utf8mb4_bin`, but the lookups do not rely on it. The case-sensitive ones compare
 * under `COLLATE utf8mb4_bin`; the case-insensitive ones compare `UPPER()` of both sides binarily — the same meaning
 * as on SQLite and PostgreSQL (accent-sensitive, unlike MySQL's `_ci` collations).
 */
export class MysqlOperations extends BaseOperations {
  readonly #server: MysqlServer
  constructor(server: MysqlServer) {
    super()
    this.#server = server
  }
  override quote(name: string): string {
    return `\`${name.replace(/`/g, '``')}\``
  }
  override literal(v: unknown): string {
    if (typeof v === 'boolean') return v ? '1' : '0'
    if (v instanceof Date) return `'${v.toISOString().replace('T', ' ').replace('Z', '')}'`
    if (typeof v === 'string') return `'${v.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`
    return super.literal(v)
  }
  override pattern(lookup: PatternLookup | 'exact', lhs: string, rhs: string): string {
    switch (lookup) {
      // `exact` is a LIKE with every wildcard escaped. `col = ? COLLATE utf8mb4_bin` made MariaDB 10.11's ref access
      // on an indexed column merge `title = 'Django' OR title = 'django'` into one key and lose a branch; the LIKE
      // is a range the optimizer gets right, still uses the index on quarry's utf8mb4_bin columns, and does not
      // ignore trailing spaces as `=` does under PAD SPACE collations (so 'a' ≠ 'a ', as elsewhere).
      case 'exact':
      case 'contains':
      case 'startswith':
      case 'endswith':
        return `${lhs} LIKE ${rhs} COLLATE utf8mb4_bin`
      default:
        return `UPPER(${lhs}) LIKE UPPER(${rhs}) COLLATE utf8mb4_bin`
    }
  }
  override patternValue(lookup: PatternLookup | 'exact'): Converter | null {
    if (lookup === 'exact' || lookup === 'iexact') return (v) => escapeLike(String(v))
    return super.patternValue(lookup)
  }
  /** PCRE (MariaDB) and ICU (MySQL) both read an inline `(?i)`; under a binary collation nothing else folds case. */
  override regex(ci: boolean, lhs: string, rhs: string): string {
    return ci ? `${lhs} REGEXP CONCAT('(?i)', ${rhs}) COLLATE utf8mb4_bin` : `${lhs} REGEXP ${rhs} COLLATE utf8mb4_bin`
  }
  override limitOffset(limit: string | null, offset: string | null): string {
    return super.limitOffset(limit === '-1' ? NO_LIMIT : limit, offset)
  }
  /**
   * JSON_TABLE typed like the column, binary collation for text so `in` stays case-sensitive like `=`.
   */
  override inJsonList(lhs: string, param: string, field: Field | undefined): string {
    const type = field ? columnTypeFor(mysqlDataTypes, field) : 'varchar(255)'
    const text = /char|text/.test(type) ? ' COLLATE utf8mb4_bin' : ''
    return `${lhs} IN (SELECT j.v FROM JSON_TABLE(${param}, '$[*]' COLUMNS (v ${type}${text} PATH '$')) AS j)`
  }
  /** Timestamps as MySQL reads them (UTC, no 'T' or 'Z'). */
  override jsonListElement(v: unknown): unknown {
    return v instanceof Date ? v.toISOString().replace('T', ' ').replace('Z', '') : super.jsonListElement(v)
  }
  /** MySQL's `/` is decimal division; `DIV` truncates toward zero like the others' integer `/`. */
  override integerDivide(lhs: string, rhs: string): string {
    return `${lhs} DIV ${rhs}`
  }
  override castInteger(expr: string): string {
    return `CAST(${expr} AS SIGNED)`
  }
  override random(): string {
    return 'RAND()'
  }
  override castFloat(expr: string): string {
    return `CAST(${expr} AS DOUBLE)`
  }
  override beginTransaction(): string {
    return 'START TRANSACTION'
  }
  override explainPrefix(options: { analyze?: boolean; format?: string }): string {
    const json = options.format?.toUpperCase() === 'JSON' ? 'FORMAT=JSON ' : ''
    if (!options.analyze) return `EXPLAIN ${json}`
    return this.#server.mariadb ? `ANALYZE ${json}` : 'EXPLAIN ANALYZE '
  }
  override onConflict(c: { update?: readonly string[] }): string {
    if (!c.update) return ''
    return ` ON DUPLICATE KEY UPDATE ${c.update.map((u) => `${this.quote(u)} = VALUES(${this.quote(u)})`).join(', ')}`
  }
  override insertModifier(c: { update?: readonly string[] } | undefined): string {
    return c && !c.update ? 'IGNORE ' : ''
  }
  override emptyInsert(rows: number): string {
    return `() VALUES ${Array.from({ length: rows }, () => '()').join(', ')}`
  }

  // ---- values ------------------------------------------------------------------------------------------------

  /** As text: the driver would send a JS bigint as a double. */
  override bigintToDb(v: bigint): unknown {
    return v.toString()
  }

  /**
   * The pool reads JSON, DATE and DATETIME as strings (mysql2 builds a DATETIME's Date with `Date.UTC`, which reads
   * years 0–99 as 1900–1999), BIGINT as number or (when unsafe) string.
   */
  override fromDb(field: Field): Converter | null {
    const kind = field.kind === 'foreignKey' || field.kind === 'oneToOne' ? targetKind(field) : field.kind
    switch (kind) {
      case 'datetime':
        return readDateTime
      case 'boolean':
        return (v) => (v === null ? null : v === 1 || v === '1' || v === true)
      case 'json':
        return (v) => (typeof v === 'string' ? JSON.parse(v) : v)
      case 'bigint':
        return (v) => (v === null || typeof v === 'bigint' ? v : BigInt(v as string))
      case 'auto':
      case 'integer':
        return (v) => (typeof v === 'string' || typeof v === 'bigint' ? Number(v) : v)
      case 'float':
        return (v) => (typeof v === 'string' ? Number(v) : v)
      default:
        return null
    }
  }
}
