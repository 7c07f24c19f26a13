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
import type { CompiledQuery } from '../sql/compiled-query.ts'
import type { RowLayout } from '../sql/resolve/select-builder.ts'

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

/**
 * The prepared-query cache of one database, per backend. A shape is compiled once; with `QUARRY_CHECK_SHAPES=1`
 * (the test suite) every hit is recompiled and compared, so a key that misses a structural token fails loudly.
 */
export class PreparedQueries {
  readonly #byBackend = new Map<Backend, Map<string, PreparedQuery>>()

  /** The query cached under `key` (a full shape key or a fast one), if any. */
  get(backend: Backend, key: string): PreparedQuery | undefined {
    return this.#byBackend.get(backend)?.get(key)
  }

  /** The prepared query for a built statement: from the cache, or compiled (and its mapper made) now. */
  prepare(
    backend: Backend,
    key: string,
    node: StatementNode,
    layout?: RowLayout,
    trailing: readonly Field[] = [],
  ): PreparedQuery {
    let byKey = this.#byBackend.get(backend)
    if (!byKey) this.#byBackend.set(backend, (byKey = new Map()))
    let prepared = byKey.get(key)
    if (prepared === undefined) {
      prepared = makePrepared(backend, { ...backend.compiler.compile(node), shapeKey: key }, layout, trailing)
      if (byKey.size >= SIZE) byKey.delete(byKey.keys().next().value!)
      byKey.set(key, prepared)
    } else if (CHECK_SHAPES) {
      const again = backend.compiler.compile(node).sql
      if (again !== prepared.compiled.sql)
        throw new QuarryError(
          'SHAPE_COLLISION',
          `quarry shape cache collision for key ${key}:\n${prepared.compiled.sql}\n!==\n${again}`,
        )
    }
    return prepared
  }

  /** Cache `prepared` under a second key (the query layer's fast shape keys). */
  alias(backend: Backend, key: string, prepared: PreparedQuery): void {
    this.#byBackend.get(backend)?.set(key, prepared)
  }
}

/** The one place a row mapper is made: per shape, with the backend's converters. */
function makePrepared(
  backend: Backend,
  compiled: CompiledQuery,
  layout: RowLayout | undefined,
  trailingFields: readonly Field[],
): PreparedQuery {
  const fields: (Field | undefined)[] = [...trailingFields]
  if (layout?.kind === 'instances') {
    const collect = (l: typeof layout.root) => {
      fields.push(...l.fields)
      l.children.forEach(collect)
    }
    collect(layout.root)
    for (const a of layout.annotations) fields.push(a.field)
  } else if (layout) fields.push(...layout.fields)
  const bigints = fields.some((f) => f?.kind === 'bigint')
  const convert = (f: Field) => backend.ops.fromDb(f, { bigints })
  const mapper: RowMapper | undefined =
    layout === undefined
      ? undefined
      : layout.kind === 'instances'
        ? { kind: 'instances', map: compileInstanceMapper(layout.root, layout.annotations, convert) }
        : { kind: 'values', map: compileValuesMapper(layout.mode, layout.names, layout.fields, convert) }
  return { compiled, layout, mapper, trailing: trailingFields.map(convert), bigints }
}
