import { FieldError } from '../../errors.ts'
import type { Field } from '../../model/fields/field.ts'
import type { RelationField } from '../../model/fields/relation-field.ts'
import type { ModelMeta, ReverseRelation } from '../../model/model-meta.ts'
import { col, type Expr, type ParamSpec } from '../ast/expression-nodes.ts'
import type { JoinNode } from '../ast/select-node.ts'
import type { DialectFeatures } from '../dialect.ts'

/**
 * State of one statement being built: the parameter values and alias allocation. (Its shape key is derived from
 * the finished tree: `sql/shape-key.ts`.)
 */
export class BuildContext {
  readonly params: unknown[] = []
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
      if (spec.list > this.features.maxBindParams / 2 && this.features.canBindJsonList)
        spec = { ...spec, jsonList: true }
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

/** One step of a path across a relation. */
export type Hop =
  | { readonly kind: 'forward'; readonly name: string; readonly field: RelationField; readonly target: ModelMeta }
  /** Reverse foreign key or reverse one-to-one: the related rows point at us. */
  | { readonly kind: 'reverse'; readonly name: string; readonly rev: ReverseRelation; readonly target: ModelMeta }
  /** Many-to-many from either side: `near` points at us from the join table, `far` at the target. */
  | {
      readonly kind: 'm2m'
      readonly name: string
      readonly through: ModelMeta
      readonly near: RelationField
      readonly far: RelationField
      readonly target: ModelMeta
    }

/** One SELECT's FROM clause: the base table and the forward joins made for paths. */
export class Scope {
  readonly ctx: BuildContext
  readonly meta: ModelMeta
  readonly alias: string
  readonly joins: JoinNode[] = []
  readonly byPath = new Map<string, JoinInfo>()
  /** Annotations visible to filters and F() in this scope. */
  readonly annotations = new Map<
    string,
    { expr: Expr; field?: Field | undefined; aggregate: boolean; integer?: boolean | undefined }
  >()

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
    return info
  }

  /**
   * LEFT JOIN the rows of a to-many hop (reverse foreign key or many-to-many) reached by `path`: one row per related
   * row, NULLs when there is none. Shared by every use of the same path, so `Count('posts')` and
   * `Sum('posts.views')` read the same joined rows instead of multiplying each other.
   */
  joinMany(path: string, hop: Exclude<Hop, { kind: 'forward' }>, parent: JoinInfo | null): JoinInfo {
    const found = this.byPath.get(path)
    if (found) return found
    const parentAlias = parent?.alias ?? this.alias
    let alias: string
    if (hop.kind === 'reverse') {
      const f = hop.rev.field
      alias = this.ctx.alias(hop.target.table)
      const on: Expr = {
        k: 'bin',
        op: '=',
        l: col(alias, f.column, f),
        r: col(parentAlias, f.targetField.column, f.targetField),
      }
      this.joins.push({ type: 'LEFT', table: hop.target.table, alias, on })
    } else {
      const { near, far } = hop
      const t = this.ctx.alias(hop.through.table)
      this.joins.push({
        type: 'LEFT',
        table: hop.through.table,
        alias: t,
        on: { k: 'bin', op: '=', l: col(t, near.column, near), r: col(parentAlias, near.targetField.column) },
      })
      alias = this.ctx.alias(hop.target.table)
      this.joins.push({
        type: 'LEFT',
        table: hop.target.table,
        alias,
        on: { k: 'bin', op: '=', l: col(alias, far.targetField.column, far.targetField), r: col(t, far.column, far) },
      })
    }
    const info = { alias, meta: hop.target, nullable: true }
    this.byPath.set(path, info)
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
    const field = meta.findField(last)
    if (!field?.concrete)
      throw new FieldError(
        `Cannot resolve '${last}' into a field of ${meta.name}${parts.length > 1 ? ` (in '${path}')` : ''}.`,
        meta.concreteFields.map((f) => f.name),
      )
    return { expr: col(join?.alias ?? this.alias, field.column, field), field, join }
  }
}
