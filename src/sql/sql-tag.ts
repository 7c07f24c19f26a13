import { InvalidValueError, RawSqlError } from '../errors.ts'
import type { Expr } from './ast/expression-nodes.ts'
import type { RawNode } from './ast/write-nodes.ts'

const IDENT: unique symbol = Symbol('quarry.ident')
const UNSAFE: unique symbol = Symbol('quarry.unsafe')
const LIST: unique symbol = Symbol('quarry.list')
const RAW = { raw: true } as const

interface Ident {
  readonly [IDENT]: string
}
interface Unsafe {
  readonly [UNSAFE]: string
}
interface InList {
  readonly [LIST]: readonly unknown[]
}

/**
 * A piece of SQL built with the `sql` tag: text written by the programmer, values kept apart and bound as
 * parameters. The only thing `db.query`, `db.execute` and `Manager.raw` accept.
 */
export class SqlFragment {
  readonly strings: readonly string[]
  readonly values: readonly unknown[]
  constructor(strings: readonly string[], values: readonly unknown[]) {
    this.strings = strings
    this.values = values
  }

  /** The AST with `?` placeholders; nested fragments are spliced in, identifiers quoted by the dialect. */
  toNode(params: unknown[]): RawNode {
    const parts: string[] = ['']
    const args: Expr[] = []
    const walk = (f: SqlFragment) => {
      for (let i = 0; i < f.strings.length; i++) {
        parts[parts.length - 1] += f.strings[i]!
        if (i >= f.values.length) continue
        const v = f.values[i]
        if (v instanceof SqlFragment) walk(v)
        else if (isUnsafe(v)) parts[parts.length - 1] += v[UNSAFE]
        else if (isList(v)) {
          // `(?, ?, ?)`: one placeholder per value, each bound like any other raw value.
          parts[parts.length - 1] += '('
          v[LIST].forEach((x, j) => {
            params.push(x)
            args.push({ k: 'param', i: params.length - 1, spec: RAW })
            parts.push(j === v[LIST].length - 1 ? ')' : ', ')
          })
        } else {
          if (isIdent(v)) args.push({ k: 'ident', name: v[IDENT] })
          else {
            params.push(v)
            args.push({ k: 'param', i: params.length - 1, spec: RAW })
          }
          parts.push('')
        }
      }
    }
    walk(this)
    return { k: 'rawStatement', parts, args }
  }
}

const isIdent = (v: unknown): v is Ident => typeof v === 'object' && v !== null && IDENT in v
const isUnsafe = (v: unknown): v is Unsafe => typeof v === 'object' && v !== null && UNSAFE in v
const isList = (v: unknown): v is InList => typeof v === 'object' && v !== null && LIST in v

export interface SqlTag {
  (strings: TemplateStringsArray, ...values: unknown[]): SqlFragment
  /** A quoted identifier (`sql.ident('blog_post')` → `"blog_post"`); `a.b` quotes each part. */
  ident(name: string): Ident
  /** Fragments joined by a separator fragment. */
  join(fragments: readonly SqlFragment[], separator?: SqlFragment): SqlFragment
  /** Trusted text inserted as is. Never pass user input. */
  unsafe(text: string): Unsafe
  /**
   * A parenthesised list of bound values for `IN`: `sql\`where id in ${sql.in([1, 2])}\`` → `where id in (?, ?)`.
   * An empty list is an error (`IN ()` is not SQL on PostgreSQL and MySQL): leave the condition out instead.
   */
  in(values: readonly unknown[]): InList
}

/**
 * Tagged template for raw SQL. Interpolated values become bound parameters.
 *
 * @example
 * await db.query(sql`select id, title from blog_post where views > ${min}`)
 * // SQLite: select id, title from blog_post where views > ?   params: [min]
 */
export const sql: SqlTag = Object.assign(
  (strings: TemplateStringsArray, ...values: unknown[]) => {
    if (!Array.isArray(strings) || !('raw' in strings))
      throw new RawSqlError('sql must be used as a tag: sql`select … where id = ${id}`.')
    return new SqlFragment(strings, values)
  },
  {
    ident(name: string): Ident {
      if (typeof name !== 'string' || name === '') throw new RawSqlError('sql.ident() takes a non-empty name.')
      return { [IDENT]: name }
    },
    join(fragments: readonly SqlFragment[], separator: SqlFragment = new SqlFragment([', '], [])): SqlFragment {
      if (fragments.length === 0) return new SqlFragment([''], [])
      const strings = ['']
      const values: unknown[] = []
      fragments.forEach((f, i) => {
        if (i > 0) {
          values.push(separator)
          strings.push('')
        }
        values.push(f)
        strings.push('')
      })
      return new SqlFragment(strings, values)
    },
    unsafe(text: string): Unsafe {
      if (typeof text !== 'string') throw new RawSqlError('sql.unsafe() takes a string.')
      return { [UNSAFE]: text }
    },
    in(values: readonly unknown[]): InList {
      if (!Array.isArray(values)) throw new InvalidValueError('sql.in() takes an array of values.')
      if (values.length === 0)
        throw new InvalidValueError(
          'sql.in() got an empty list: no row can match `IN ()` and PostgreSQL and MySQL refuse it. Skip the query or leave the condition out.',
        )
      return { [LIST]: values.slice() }
    },
  },
)

/** Refuse anything but a fragment made by the tag (a plain string would be an injection risk). */
export function assertFragment(q: unknown, where: string): asserts q is SqlFragment {
  if (!(q instanceof SqlFragment))
    throw new RawSqlError(
      `${where} takes SQL built with the sql tag, not ${typeof q === 'string' ? 'a plain string' : typeof q}: ${where.replace(/\(\)$/, '')}(sql\`select … where id = \${id}\`).`,
    )
}
