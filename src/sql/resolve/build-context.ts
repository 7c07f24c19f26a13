import { FieldError } from '../../errors.ts'
import type { Field } from '../../model/fields/field.ts'
import type { RelationField } from '../../model/fields/relation-field.ts'
import type { ModelMeta } from '../../model/model-meta.ts'
import { col, type Expr, type ParamSpec } from '../ast/expression-nodes.ts'
import type { JoinNode } from '../ast/select-node.ts'
import type { DialectFeatures } from '../dialect.ts'

/**
 * State of one statement being built: the parameter values, the shape key and alias allocation.
 *
 * The shape key is built as the AST is: every structural choice appends a token, values never do. Two queries
 * with the same key compile to the same SQL, so the compiled SQL, the bind plan and the row mapper are cached
 * by it. (Tests run with `QUARRY_CHECK_SHAPES=1`, which recompiles on every cache hit and compares.)
 */
export class BuildContext {
  readonly params: unknown[] = []
  key = ''
  /** Set when a filter refers to an aggregate annotation: that filter belongs in HAVING. */
  aggregateRef = false
  readonly features: DialectFeatures
  readonly #aliases = new Set<string>()
  #n = 0

  constructor(features: DialectFeatures) {
    this.features = features
  }

  param(value: unknown, spec: ParamSpec): Expr & { k: 'param' } {
    this.params.push(value)
    if (spec.list !== undefined && !this.features.hasArrayParams) {
      // One placeholder per value, unless that would crowd the statement's bind limit: then one JSON array.
      if (spec.list > this.features.maxBindParams / 2 && this.features.canBindJsonList) {
        spec = { ...spec, jsonList: true }
        this.key += '#J'
      } else this.key += `#${spec.list}`
    }
    return { k: 'param', i: this.params.length - 1, spec }
  }

  /** The table name the first time a table appears in the statement, `T<n>` after that. */
  alias(table: string): string {
    if (!this.#aliases.has(table)) {
      this.#aliases.add(table)
      return table
    }
    let a: string
    do a = `T${++this.#n}`
    while (this.#aliases.has(a))
    this.#aliases.add(a)
    return a
  }
}

export interface JoinInfo {
  readonly alias: string
  readonly meta: ModelMeta
  /** LEFT joined (nullable foreign key, or below one). */
  readonly nullable: boolean
}

/** One SELECT's FROM clause: the base table and the forward joins made for paths. */
export class Scope {
  readonly ctx: BuildContext
  readonly meta: ModelMeta
  readonly alias: string
  readonly joins: JoinNode[] = []
  readonly byPath = new Map<string, JoinInfo>()
  /** Annotations visible to filters and F() in this scope. */
  readonly annotations = new Map<string, { expr: Expr; field?: Field | undefined; aggregate: boolean }>()

  constructor(ctx: BuildContext, meta: ModelMeta, alias?: string) {
    this.ctx = ctx
    this.meta = meta
    this.alias = alias ?? ctx.alias(meta.table)
  }

  /**
   * Join the target of a forward relation reached by `path` (dot-separated, from the base model). Joins are
   * shared by every use of the same path in the statement.
   */
  join(path: string, field: RelationField, parent: JoinInfo | null): JoinInfo {
    const found = this.byPath.get(path)
    if (found) return found
    const target = field.targetMeta
    const alias = this.ctx.alias(target.table)
    const nullable = field.nullable || (parent?.nullable ?? false)
    const parentAlias = parent?.alias ?? this.alias
    const on: Expr = {
      k: 'bin',
      op: '=',
      l: col(parentAlias, field.column, field),
      r: col(alias, field.targetField.column, field.targetField),
    }
    this.joins.push({ type: nullable ? 'LEFT' : 'INNER', table: target.table, alias, on })
    const info = { alias, meta: target, nullable }
    this.byPath.set(path, info)
    this.ctx.key += `J${path}${nullable ? 'L' : 'I'};`
    return info
  }

  /**
   * Resolve a dotted path of forward relations ending in a concrete field: `'author.name'` joins author and
   * returns its name column. A final foreign key gives its stored column (`author` → `author_id`).
   */
  column(path: string): { expr: Expr; field: Field; join: JoinInfo | null } {
    const parts = path.split('.')
    let meta = this.meta
    let join: JoinInfo | null = null
    let prefix = ''
    for (let i = 0; i < parts.length - 1; i++) {
      const name = parts[i]!
      const f = meta.fieldMap.get(name)
      if (!f || (f.kind !== 'foreignKey' && f.kind !== 'oneToOne'))
        throw new FieldError(
          `Cannot follow '${name}' in '${path}': ${meta.name}.${name} is not a foreign key or one-to-one.`,
          meta.forwardRelations.filter((r) => r.kind !== 'manyToMany').map((r) => r.name),
        )
      prefix = prefix ? `${prefix}.${name}` : name
      join = this.join(prefix, f as RelationField, join)
      meta = join.meta
    }
    const last = parts[parts.length - 1]!
    const field = last === 'pk' ? meta.pk : (meta.fieldMap.get(last) ?? meta.attnameMap.get(last))
    if (!field?.concrete)
      throw new FieldError(
        `Cannot resolve '${last}' into a field of ${meta.name}${parts.length > 1 ? ` (in '${path}')` : ''}.`,
        meta.concreteFields.map((f) => f.name),
      )
    return { expr: col(join?.alias ?? this.alias, field.column, field), field, join }
  }
}
