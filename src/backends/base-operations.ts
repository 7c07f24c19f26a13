import { InvalidValueError, NotSupportedError } from '../errors.ts'
import type { Field } from '../model/fields/field.ts'
import type { PatternLookup } from '../sql/ast/expression-nodes.ts'
import type { Converter, DialectOperations } from '../sql/dialect.ts'
import { inDateTimeRange, isCalendarDate, parseDateTimeText, readDateTime } from './datetime-text.ts'

export type { Converter }

/** Escape `%`, `_` and the escape character itself for a LIKE pattern with `ESCAPE '\'`. */
export const escapeLike = (s: string): string => s.replace(/[\\%_]/g, (c) => `\\${c}`)

const isIntString = (v: unknown): v is string => typeof v === 'string' && /^-?\d+$/.test(v)
const isDecimalString = (v: unknown): v is string => typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v)
const UUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i
const DATE = /^\d{4}-\d{2}-\d{2}$/

function bad(field: Field | undefined, expected: string, v: unknown): never {
  const got =
    v === null
      ? 'null'
      : Array.isArray(v)
        ? 'an array'
        : typeof v === 'object'
          ? ((v as object).constructor?.name ?? 'object')
          : `a ${typeof v}`
  throw new InvalidValueError(
    `${field ? `Field '${field.qualifiedName}'` : 'Value'} expected ${expected} but got ${got}. Pass ${expected}.`,
  )
}

/**
 * Dialect snippets and value conversion (Django's `operations`). A backend subclasses this and overrides only
 * what its SQL spells differently.
 */
export class BaseOperations implements DialectOperations {
  /** Quote an identifier; doubled quote characters inside. */
  quote(name: string): string {
    return `"${name.replace(/"/g, '""')}"`
  }
  /** A value inlined into DDL (partial index conditions), where parameters cannot be bound. */
  literal(v: unknown): string {
    if (v === null || v === undefined) return 'NULL'
    if (typeof v === 'number' || typeof v === 'bigint') return String(v)
    if (typeof v === 'boolean') return v ? 'TRUE' : 'FALSE'
    if (v instanceof Date) return `'${v.toISOString()}'`
    return `'${String(v).replace(/'/g, "''")}'`
  }
  /** Placeholder for the n-th bound value (1-based). */
  placeholder(_n: number): string {
    return '?'
  }

  /** `lhs <lookup> rhs` for the string pattern lookups (and `exact` on string fields). */
  pattern(lookup: PatternLookup | 'exact', lhs: string, rhs: string): string {
    switch (lookup) {
      case 'exact':
        return `${lhs} = ${rhs}`
      case 'iexact':
        return `UPPER(${lhs}) = UPPER(${rhs})`
      case 'contains':
      case 'startswith':
      case 'endswith':
        return `${lhs} LIKE ${rhs} ESCAPE '\\'`
      default:
        return `UPPER(${lhs}) LIKE UPPER(${rhs}) ESCAPE '\\'`
    }
  }
  /** The bound value for a pattern lookup: escaped and wrapped in wildcards. */
  patternValue(lookup: PatternLookup | 'exact'): Converter | null {
    switch (lookup) {
      case 'exact':
      case 'iexact':
        return null
      case 'contains':
      case 'icontains':
        return (v) => `%${escapeLike(String(v))}%`
      case 'startswith':
      case 'istartswith':
        return (v) => `${escapeLike(String(v))}%`
      default:
        return (v) => `%${escapeLike(String(v))}`
    }
  }
  regex(ci: boolean, lhs: string, rhs: string): string {
    return ci ? `${lhs} ~* ${rhs}` : `${lhs} ~ ${rhs}`
  }
  /**
   * `lhs IN (…)` over a list bound as one JSON array (`features.canBindJsonList`), for lists too long for one
   * placeholder per value.
   */
  inJsonList(_lhs: string, _param: string, _field: Field | undefined): string {
    throw new NotSupportedError('This database cannot bind a list as one JSON value.')
  }
  /** One element of such a list, as JSON can carry it (after the field's own conversion). */
  jsonListElement(v: unknown): unknown {
    if (typeof v === 'bigint') return v.toString()
    if (typeof v === 'boolean') return v ? 1 : 0
    if (v instanceof Date) return v.toISOString()
    return v
  }
  /**
   * A case-insensitive pattern match choosing, by a bound flag, between a Unicode-aware matcher and the native
   * `native` SQL (`features.foldsCaseAsciiOnly`). `pattern` is the LIKE pattern with `\` escapes.
   */
  unicodeCaseInsensitive(_lhs: string, _flag: string, _pattern: string, native: string): string {
    return native
  }
  /** `LIMIT ? OFFSET ?` clause (either part may be absent). */
  limitOffset(limit: string | null, offset: string | null): string {
    let s = ''
    if (limit !== null) s += ` LIMIT ${limit}`
    if (offset !== null) s += ` OFFSET ${offset}`
    return s
  }
  /** An ORDER BY term with explicit null placement. */
  orderTerm(expr: string, desc: boolean, nulls: 'first' | 'last' | undefined, native: boolean): string {
    const dir = desc ? ' DESC' : ' ASC'
    if (!nulls) return expr + dir
    if (native) return `${expr}${dir} NULLS ${nulls === 'first' ? 'FIRST' : 'LAST'}`
    return `(${expr} IS NULL)${nulls === 'first' ? ' DESC' : ' ASC'}, ${expr}${dir}`
  }
  /** The statement that opens a transaction. */
  beginTransaction(): string {
    return 'BEGIN'
  }
  /** Prefix for `explain()`. */
  explainPrefix(options: { analyze?: boolean; format?: string }): string {
    return options.analyze ? 'EXPLAIN ANALYZE ' : 'EXPLAIN '
  }
  /** The rows of an EXPLAIN as text, one line each. */
  formatExplain(rows: readonly unknown[][]): string {
    return rows
      .map((r) => r.map((c) => (typeof c === 'object' && c !== null ? JSON.stringify(c) : String(c))).join(' '))
      .join('\n')
  }
  /** Integer division truncating toward zero: PostgreSQL's and SQLite's `/` on two integers. */
  integerDivide(lhs: string, rhs: string): string {
    return `${lhs} / ${rhs}`
  }
  /** An integer operand of arithmetic as the driver must bind it to be typed an integer. */
  integerParam(v: unknown): unknown {
    return v
  }
  /** `CAST(x AS <64-bit integer>)`. */
  castInteger(expr: string): string {
    return `CAST(${expr} AS BIGINT)`
  }
  /** The function giving a random number, for `orderBy('?')`. */
  random(): string {
    return 'RANDOM()'
  }
  /** `CAST(x AS <float>)` for AVG on integer columns. */
  castFloat(expr: string): string {
    return `CAST(${expr} AS DOUBLE PRECISION)`
  }
  /** `INSERT … ON CONFLICT` tail (empty when `onConflict` is absent). */
  onConflict(c: { update?: readonly string[]; target?: readonly string[] }): string {
    const target = c.target?.length ? ` (${c.target.map((t) => this.quote(t)).join(', ')})` : ''
    if (!c.update) return ` ON CONFLICT${target} DO NOTHING`
    return ` ON CONFLICT${target} DO UPDATE SET ${c.update.map((u) => `${this.quote(u)} = EXCLUDED.${this.quote(u)}`).join(', ')}`
  }
  /** The tail of an INSERT with no column values (every column has a default). */
  emptyInsert(rows: number): string {
    if (rows !== 1) return `VALUES ${Array.from({ length: rows }, () => '(DEFAULT)').join(', ')}`
    return 'DEFAULT VALUES'
  }
  /** A placeholder whose type the statement cannot infer (a `VALUES` list of a bulk update): cast where needed. */
  typedParam(placeholder: string, _field: Field): string {
    return placeholder
  }
  /** One column's array parameter of `INSERT … SELECT * FROM UNNEST(…)` (features.canInsertFromArrays). */
  arrayParam(_placeholder: string, _field: Field): string {
    throw new NotSupportedError('This database cannot insert from array parameters.')
  }
  /** Keyword in `INSERT <kw> INTO` (MySQL's `IGNORE`). */
  insertModifier(_c: { update?: readonly string[] } | undefined): string {
    return ''
  }

  // ---- values ------------------------------------------------------------------------------------------------

  /**
   * A value interpolated into raw SQL, bound the way the ORM binds a field of its type (a `Date` in the backend's
   * datetime form, a boolean as the backend stores it). A value with no single SQL form is refused rather than
   * sent for the driver to guess (node:sqlite reads a leading object as named parameters and shifts the others;
   * mysql2 and postgres.js each turn an array into something different).
   */
  readonly rawToDb = (v: unknown): unknown => {
    switch (typeof v) {
      case 'string':
      case 'number':
      case 'bigint':
        return v
      case 'boolean':
        return this.boolToDb(v)
      case 'undefined':
        throw new InvalidValueError('A value in raw SQL is undefined. Pass null for SQL NULL.')
      case 'object':
        if (v === null) return null
        if (v instanceof Date) {
          if (!inDateTimeRange(v))
            throw new InvalidValueError(
              'A Date in raw SQL is invalid or outside 0001-01-01 … 9999-12-31 (UTC). Pass a valid Date in that range.',
            )
          return this.dateTimeToDb(v)
        }
        if (v instanceof Uint8Array) return v
        if (Array.isArray(v))
          throw new InvalidValueError(
            'An array has no single SQL form in raw SQL. For a list write `x IN ${sql.in(values)}`; for JSON pass JSON.stringify(value).',
          )
        break
    }
    const type = typeof v === 'object' ? ((v as object).constructor?.name ?? 'Object') : typeof v
    throw new InvalidValueError(
      `A value of type ${type} has no SQL form in raw SQL. Pass a string, number, bigint, boolean, Date, Uint8Array or null (JSON.stringify(value) for JSON).`,
    )
  }

  /** Boolean as bound to the driver. */
  boolToDb(v: boolean): unknown {
    return v
  }
  dateTimeToDb(d: Date): unknown {
    return d
  }
  jsonToDb(v: unknown): unknown {
    return jsonText(v)
  }
  bigintToDb(v: bigint): unknown {
    return v
  }

  /**
   * Converter from a JS value to the driver value for `field`, validating its type. `null` passes through (the
   * database enforces NOT NULL). Returns `null` when no conversion is needed.
   */
  toDb(field: Field | undefined): Converter | null {
    if (!field) return null
    const kind = field.kind === 'foreignKey' || field.kind === 'oneToOne' ? targetKind(field) : field.kind
    const f = field
    switch (kind) {
      case 'auto':
      case 'integer':
        return (v) => {
          if (v === null || v === undefined) return null
          if (typeof v === 'number' && Number.isInteger(v)) return v
          if (isIntString(v)) return Number(v)
          if (typeof v === 'bigint') return Number(v)
          return bad(f, 'an integer', v)
        }
      case 'float':
        return (v) => {
          if (v === null || v === undefined) return null
          if (typeof v === 'number' && Number.isFinite(v)) return v
          if (isDecimalString(v)) return Number(v)
          return bad(f, 'a finite number', v)
        }
      case 'bigint':
        return (v) => {
          if (v === null || v === undefined) return null
          if (typeof v === 'bigint') return this.bigintToDb(v)
          if ((typeof v === 'number' && Number.isInteger(v)) || isIntString(v)) return this.bigintToDb(BigInt(v))
          return bad(f, 'a bigint', v)
        }
      case 'decimal':
        return (v) => {
          if (v === null || v === undefined) return null
          if (typeof v === 'number' && Number.isFinite(v)) return String(v)
          if (isDecimalString(v)) return v
          return bad(f, 'a decimal string like "12.50"', v)
        }
      case 'boolean':
        return (v) => {
          if (v === null || v === undefined) return null
          if (typeof v === 'boolean') return this.boolToDb(v)
          return bad(f, 'a boolean', v)
        }
      case 'datetime':
        return (v) => {
          if (v === null || v === undefined) return null
          const d =
            v instanceof Date
              ? v
              : typeof v === 'string'
                ? /^\d{4}-/.test(v)
                  ? parseDateTimeText(v)
                  : new Date(v)
                : typeof v === 'number'
                  ? new Date(v)
                  : null
          // One range on every backend: SQLite would store year 10000 as text, the servers refuse it each their way.
          if (!d || !inDateTimeRange(d)) return bad(f, 'a valid Date between 0001-01-01 and 9999-12-31 (UTC)', v)
          return this.dateTimeToDb(d)
        }
      case 'date':
        return (v) => {
          if (v === null || v === undefined) return null
          if (typeof v === 'string' && DATE.test(v) && isCalendarDate(+v.slice(0, 4), +v.slice(5, 7), +v.slice(8, 10)))
            return v
          if (v instanceof Date && inDateTimeRange(v)) return v.toISOString().slice(0, 10)
          return bad(f, "a 'YYYY-MM-DD' string naming a day between 0001-01-01 and 9999-12-31", v)
        }
      case 'json':
        return (v) => {
          if (v === null || v === undefined) return null
          try {
            return this.jsonToDb(v)
          } catch (e) {
            if (!(e instanceof InvalidValueError)) throw e
            throw new InvalidValueError(`Field '${f.qualifiedName}': ${e.message}`)
          }
        }
      case 'uuid':
        return (v) => {
          if (v === null || v === undefined) return null
          if (typeof v === 'string' && UUID.test(v)) return v.toLowerCase()
          return bad(f, 'a UUID string', v)
        }
      case 'enum': {
        const choices = f.options.choices ?? []
        return (v) => {
          if (v === null || v === undefined) return null
          if (typeof v === 'string' && choices.includes(v)) return v
          return bad(f, `one of ${choices.map((c) => `'${c}'`).join(', ')}`, v)
        }
      }
      case 'string':
      case 'text':
        return (v) => {
          if (v === null || v === undefined) return null
          if (typeof v === 'string') return v
          return bad(f, 'a string', v)
        }
      default:
        return null
    }
  }

  /**
   * Converter from the driver value to the JS value for `field`, or `null` when it arrives ready. `bigints`: the
   * statement reads 64-bit integers as `bigint` (a `bigint` field is selected).
   */
  fromDb(field: Field, _options?: { bigints?: boolean }): Converter | null {
    const kind = field.kind === 'foreignKey' || field.kind === 'oneToOne' ? targetKind(field) : field.kind
    switch (kind) {
      case 'json':
        return (v) => (typeof v === 'string' ? JSON.parse(v) : v)
      case 'datetime':
        return readDateTime
      default:
        return null
    }
  }
}

/**
 * A JSON document as text. `JSON.stringify` throws a bare `TypeError` on a `bigint` or a cycle: those become an
 * `InvalidValueError` saying which, without the value.
 */
export function jsonText(v: unknown): string {
  try {
    return JSON.stringify(v)
  } catch (e) {
    const why = /BigInt/i.test(String((e as Error)?.message))
      ? 'it contains a bigint, which JSON cannot hold (convert it to a string or a number first)'
      : /circular|cyclic/i.test(String((e as Error)?.message))
        ? 'it contains a cycle (an object that refers to itself)'
        : 'JSON.stringify refused it'
    throw new InvalidValueError(`A JSON value cannot be stored: ${why}.`)
  }
}

/** The kind of value a foreign key stores: its target field's kind (`auto` behaves as integer). */
export function targetKind(field: Field): Field['kind'] {
  const target = (field as unknown as { targetField: Field }).targetField
  return target.kind
}
