import type { Field } from '../../model/fields/field.ts'
import { BaseOperations, type Converter, jsonText, targetKind } from '../base-operations.ts'
import { columnTypeFor } from '../base-schema-editor.ts'
import { postgresDataTypes } from './postgres-schema-editor.ts'

/**
 * PostgreSQL spelling: `$n` placeholders, `~` / `~*` regex, native booleans, `timestamptz`, `jsonb`. The base
 * class already speaks standard SQL, so little differs.
 */
export class PostgresOperations extends BaseOperations {
  override placeholder(n: number): string {
    return `$${n}`
  }
  /** `explain({ analyze, format })`: `EXPLAIN (ANALYZE, FORMAT JSON) …`. */
  override explainPrefix(options: { analyze?: boolean; format?: string }): string {
    const opts: string[] = []
    if (options.analyze) opts.push('ANALYZE')
    if (options.format) opts.push(`FORMAT ${explainFormat(options.format)}`)
    return opts.length ? `EXPLAIN (${opts.join(', ')}) ` : 'EXPLAIN '
  }
  override formatExplain(rows: readonly unknown[][]): string {
    return rows.map((r) => (typeof r[0] === 'string' ? r[0] : JSON.stringify(r[0], null, 2))).join('\n')
  }
  /** `$1::varchar(200)`: parameters in a VALUES list have no column to take their type from. */
  override typedParam(placeholder: string, field: Field): string {
    return `${placeholder}::${columnTypeFor(postgresDataTypes, field)}`
  }
  /** `$1::varchar(200)[]`: the array is sent as a literal (postgres-driver.ts), typed here. */
  override arrayParam(placeholder: string, field: Field): string {
    return `${placeholder}::${columnTypeFor(postgresDataTypes, field)}[]`
  }
  /** JSON goes as text; the driver would turn a JS array into a PostgreSQL array literal. */
  override jsonToDb(v: unknown): unknown {
    return jsonText(v)
  }
  /** Sent as text: exact for the whole int8 range. */
  override bigintToDb(v: bigint): unknown {
    return v.toString()
  }

  /**
   * The driver's types (postgres-driver.ts) already give Date, parsed JSON and strings for numeric/date; int8 comes
   * as a number while safe, so `bigint` fields are made `bigint` here and auto keys `number`.
   */
  override fromDb(field: Field): Converter | null {
    const kind = field.kind === 'foreignKey' || field.kind === 'oneToOne' ? targetKind(field) : field.kind
    switch (kind) {
      case 'bigint':
        return (v) => (v === null || typeof v === 'bigint' ? v : BigInt(v as string))
      case 'auto':
      case 'integer':
        return (v) => (typeof v === 'bigint' ? Number(v) : v)
      case 'datetime':
        // postgres.js hands over a Date (or ±Infinity for 'infinity'). A reader that also takes epoch milliseconds
        // makes the column one the query cache keeps as numbers (`CompiledQuery.epochColumns`): a hit then shares its
        // rows and makes only the Dates, where it copied every row to put new Dates in.
        return (v) => (typeof v === 'number' && Number.isFinite(v) ? new Date(v) : v)
      default:
        return null
    }
  }
}

const FORMATS = new Set(['TEXT', 'JSON', 'XML', 'YAML'])

function explainFormat(format: string): string {
  const f = format.toUpperCase()
  // Inlined into SQL, so only the known keywords pass.
  return FORMATS.has(f) ? f : 'TEXT'
}
