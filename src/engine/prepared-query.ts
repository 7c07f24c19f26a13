import type { Backend } from '../backends/backend.ts'
import { QuarryError } from '../errors.ts'
import type { Field } from '../model/fields/field.ts'
import {
  type Converter,
  compileInstanceMapper,
  compileValuesMapper,
  type InstanceMapper,
  type ValuesMapper,
} from '../model/row-mapper.ts'
import type { StatementNode } from '../sql/ast/write-nodes.ts'
import type { CompiledQuery, EpochColumn } from '../sql/compiled-query.ts'
import type { RowLayout } from '../sql/resolve/select-builder.ts'
import { shapeKey } from '../sql/shape-key.ts'

/** How one shape's rows become results: instances (given their host) or values rows. */
export type RowMapper =
  | { readonly kind: 'instances'; readonly map: InstanceMapper }
  | { readonly kind: 'values'; readonly map: ValuesMapper }

/**
 * Everything about a query shape that does not depend on its values, made once and cached by shape key: the
 * compiled SQL with its bind plan, how its rows are laid out, the generated row mapper, and whether its rows must
 * be read with 64-bit integers as `bigint`.
 */
export interface PreparedQuery {
  readonly compiled: CompiledQuery
  /** Undefined for statements whose rows are not mapped (counts, writes). */
  readonly layout: RowLayout | undefined
  readonly mapper: RowMapper | undefined
  /** Converters of the columns after the mapped ones (the source key of a many-to-many row). */
  readonly trailing: readonly (Converter | null)[]
  readonly bigints: boolean
}

const CHECK_SHAPES = process.env.QUARRY_CHECK_SHAPES === '1'
const SIZE = 2000

/** A fast key's entry (see `QuerySet.get` and `fastSelectShape`): the prepared query, and whether checked yet. */
export interface FastEntry {
  readonly prepared: PreparedQuery
  /** Set once a hit from a second query description has been checked against a full build. */
  checked: boolean
  /** Set when a check found it names the wrong statement (for holders of the entry itself: get()'s memo). */
  dropped?: boolean
}

/**
 * The prepared-query cache of one database, per backend, keyed by shape key (`sql/shape-key.ts`, derived from
 * the AST, so a key cannot name other SQL) and, for simple SELECTs, by a fast key written off the query
 * description without building the AST (checked against a full build: see `Runner`).
 */
export class PreparedQueries {
  readonly #byBackend = new Map<Backend, Map<string, PreparedQuery>>()
  /** `null`: a fast key found to name the wrong statement, never used again. */
  readonly #fast = new Map<Backend, Map<string, FastEntry | null>>()

  /** The prepared query for a built statement: from the cache, or compiled (and its mapper made) now. */
  prepare(backend: Backend, node: StatementNode, layout?: RowLayout, trailing: readonly Field[] = []): PreparedQuery {
    let key = shapeKey(node, layout, backend.features)
    if (trailing.length) key += `|T${trailing.length}`
    let byKey = this.#byBackend.get(backend)
    if (!byKey) this.#byBackend.set(backend, (byKey = new Map()))
    let prepared = byKey.get(key)
    if (prepared === undefined) {
      prepared = makePrepared(backend, { ...backend.compiler.compile(node), shapeKey: key }, layout, trailing)
      if (byKey.size >= SIZE) byKey.delete(byKey.keys().next().value!)
      byKey.set(key, prepared)
    } else if (CHECK_SHAPES) {
      // The key is derived from the tree; this checks the derivation leaves out nothing the compiler reads.
      const again = backend.compiler.compile(node).sql
      if (again !== prepared.compiled.sql)
        throw new QuarryError(
          'SHAPE_COLLISION',
          `quarry shape key ${key} names two statements:\n${prepared.compiled.sql}\n!==\n${again}`,
        )
    }
    return prepared
  }

  /** The entry under a fast key, if any. */
  fast(backend: Backend, key: string): FastEntry | undefined {
    return this.#fast.get(backend)?.get(key) ?? undefined
  }

  /** Remember `prepared` under a fast key (made from the same description, so checked already). */
  setFast(backend: Backend, key: string, prepared: PreparedQuery): void {
    let byKey = this.#fast.get(backend)
    if (!byKey) this.#fast.set(backend, (byKey = new Map()))
    if (byKey.has(key)) return
    if (byKey.size >= SIZE) byKey.delete(byKey.keys().next().value!)
    byKey.set(key, { prepared, checked: false })
  }

  /** Forget a fast key that named the wrong statement: its descriptions take the full build from now on. */
  dropFast(backend: Backend, key: string): void {
    this.#fast.get(backend)?.set(key, null)
  }
}

/** The one place a row mapper is made: per shape, with the backend's converters. */
function makePrepared(
  backend: Backend,
  compiled: CompiledQuery,
  layout: RowLayout | undefined,
  trailingFields: readonly Field[],
): PreparedQuery {
  const columns = rowColumns(layout, trailingFields)
  const bigints = columns.some((f) => f?.kind === 'bigint')
  const convert = (f: Field) => backend.ops.fromDb(f, { bigints })
  const epochColumns = datetimeColumns(columns, convert)
  const mapper: RowMapper | undefined =
    layout === undefined
      ? undefined
      : layout.kind === 'instances'
        ? { kind: 'instances', map: compileInstanceMapper(layout.root, layout.annotations, convert) }
        : { kind: 'values', map: compileValuesMapper(layout.mode, layout.names, layout.fields, convert) }
  return {
    compiled: epochColumns.length ? { ...compiled, epochColumns } : compiled,
    layout,
    mapper,
    trailing: trailingFields.map(convert),
    bigints,
  }
}

/** The field read from each column of a shape's rows, by position: the mapped ones, then the trailing ones. */
function rowColumns(layout: RowLayout | undefined, trailing: readonly Field[]): (Field | undefined)[] {
  const columns: (Field | undefined)[] = []
  if (layout?.kind === 'instances') {
    const walk = (l: typeof layout.root) => {
      l.fields.forEach((f, i) => {
        columns[l.offset + i] = f
      })
      l.children.forEach(walk)
    }
    walk(layout.root)
    for (const a of layout.annotations) columns[a.index] = a.field
  } else if (layout) columns.push(...layout.fields)
  // Holes (a column no field reads) become undefined; the trailing columns follow the last mapped one.
  return [...Array.from(columns), ...trailing]
}

/**
 * The datetime columns of a shape's rows (`CompiledQuery.epochColumns`). Every backend's datetime reader takes epoch
 * milliseconds as well as its driver's form (`readDateTime`, SQLite's text reader), so the cell's epoch is what the
 * reader makes of it.
 */
function datetimeColumns(
  columns: readonly (Field | undefined)[],
  convert: (f: Field) => Converter | null,
): EpochColumn[] {
  const out: EpochColumn[] = []
  columns.forEach((f, index) => {
    if (f?.kind !== 'datetime') return
    const read = convert(f)
    if (read !== null)
      out.push({ index, toEpoch: (v) => (v === null || v === undefined ? null : (read(v) as Date).getTime()) })
  })
  return out
}
