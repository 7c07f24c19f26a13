import type { Field } from '../../model/fields/field.ts'
import type { PatternLookup } from '../../sql/ast/expression-nodes.ts'
import { BaseOperations, type Converter, escapeLike, targetKind } from '../base-operations.ts'
import { utcDateTimeText } from '../datetime-text.ts'
import { parseSqliteDateTime } from './sqlite-datetime.ts'

/** Escape GLOB metacharacters: `*` `?` `[` become one-character classes. */
const escapeGlob = (s: string): string => s.replace(/[*?[]/g, (c) => `[${c}]`)

/**
 * SQLite spelling. Case-sensitive pattern lookups use GLOB (LIKE ignores ASCII case in SQLite); the
 * case-insensitive ones use LIKE with an escape character, so `%` and `_` in values match literally.
 */
export class SqliteOperations extends BaseOperations {
  override pattern(lookup: PatternLookup | 'exact', lhs: string, rhs: string): string {
    switch (lookup) {
      case 'exact':
        return `${lhs} = ${rhs}`
      case 'contains':
      case 'startswith':
      case 'endswith':
        return `${lhs} GLOB ${rhs}`
      default:
        return `${lhs} LIKE ${rhs} ESCAPE '\\'`
    }
  }
  override patternValue(lookup: PatternLookup | 'exact'): Converter | null {
    switch (lookup) {
      case 'exact':
        return null
      case 'iexact':
        return (v) => escapeLike(String(v))
      case 'contains':
        return (v) => `*${escapeGlob(String(v))}*`
      case 'startswith':
        return (v) => `${escapeGlob(String(v))}*`
      case 'endswith':
        return (v) => `*${escapeGlob(String(v))}`
      default:
        return super.patternValue(lookup)
    }
  }
  /** `quarry_regexp` is registered on every connection (JavaScript RegExp semantics). */
  override regex(ci: boolean, lhs: string, rhs: string): string {
    return `quarry_regexp(${rhs}, ${lhs}, ${ci ? 1 : 0})`
  }
  /**
   * A bare `LIMIT ?` makes SQLite re-prepare the statement on every run (its planner reads bound LIMIT values:
   * 11.5 µs instead of 5.4 µs per get-by-pk, bench/micro). `(? + 0)` is an expression, so the prepared plan is
   * reused.
   */
  override limitOffset(limit: string | null, offset: string | null): string {
    const wrap = (s: string) => (s === '?' ? '(? + 0)' : s)
    return super.limitOffset(limit === null ? null : wrap(limit), offset === null ? null : wrap(offset))
  }
  /** `quarry_ilike` is registered on every connection: LIKE semantics, Unicode case folding. */
  override unicodeCaseInsensitive(lhs: string, flag: string, pattern: string, native: string): string {
    return `(CASE WHEN ${flag} THEN quarry_ilike(${pattern}, ${lhs}) ELSE ${native} END)`
  }
  /** Column affinity converts the JSON values (text '123' against an INTEGER column compares as 123). */
  override inJsonList(lhs: string, param: string): string {
    return `${lhs} IN (SELECT value FROM json_each(${param}))`
  }
  /** node:sqlite binds every JS number as REAL (`10 / 3.0` is 3.33); a bigint binds as INTEGER. */
  override integerParam(v: unknown): unknown {
    return typeof v === 'number' && Number.isSafeInteger(v) ? BigInt(v) : v
  }
  override castInteger(expr: string): string {
    return `CAST(${expr} AS INTEGER)`
  }
  override castFloat(expr: string): string {
    return `CAST(${expr} AS REAL)`
  }
  override literal(v: unknown): string {
    if (typeof v === 'boolean') return v ? '1' : '0'
    if (v instanceof Date) return `'${this.dateTimeToDb(v) as string}'`
    return super.literal(v)
  }
  /**
   * Takes the write lock at once: a deferred transaction that reads and then writes fails with SQLITE_BUSY, without
   * waiting, when another connection wrote in between.
   */
  override beginTransaction(): string {
    return 'BEGIN IMMEDIATE'
  }
  override explainPrefix(): string {
    return 'EXPLAIN QUERY PLAN '
  }
  /** `EXPLAIN QUERY PLAN` rows are (id, parent, notused, detail): indent each detail under its parent. */
  override formatExplain(rows: readonly unknown[][]): string {
    const depth = new Map<unknown, number>([[0, 0]])
    return rows
      .map((r) => {
        const d = (depth.get(r[1]) ?? 0) + 1
        depth.set(r[0], d)
        return `${'  '.repeat(d - 1)}${String(r[3])}`
      })
      .join('\n')
  }
  override boolToDb(v: boolean): unknown {
    return v ? 1 : 0
  }
  /**
   * `2024-01-01 12:30:00.500`: ISO 8601 date and time separated by a space, in UTC without a zone suffix, milliseconds
   * only when not zero — the form Django, the sqlite3 shell and `datetime()` write, so rows of every writer sort and
   * compare together as text.
   */
  override dateTimeToDb(d: Date): unknown {
    return utcDateTimeText(d)
  }

  override fromDb(field: Field, options?: { bigints?: boolean }): Converter | null {
    const kind = field.kind === 'foreignKey' || field.kind === 'oneToOne' ? targetKind(field) : field.kind
    switch (kind) {
      case 'boolean':
        return (v) => (v === null ? null : v === 1 || v === 1n)
      case 'datetime':
        // Every textual form as UTC (`new Date('2024-01-01 12:00:00')` would read it in the process's zone).
        return (v) => (v === null ? null : typeof v === 'string' ? parseSqliteDateTime(v) : new Date(v as number))
      case 'json':
        return (v) => (v === null ? null : JSON.parse(v as string))
      case 'decimal': {
        const places = field.options.decimalPlaces ?? 0
        return (v) => (v === null ? null : typeof v === 'string' ? v : Number(v).toFixed(places))
      }
      case 'bigint':
        return (v) => (v === null ? null : BigInt(v as number))
      case 'auto':
      case 'integer':
        // Only a statement reading 64-bit integers as bigint hands these over as bigint.
        return options?.bigints ? (v) => (typeof v === 'bigint' ? Number(v) : v) : null
      default:
        return null
    }
  }
}
