import { InvalidValueError } from '../../errors.ts'
import type { Field } from '../../model/fields/field.ts'
import type { RelationField } from '../../model/fields/relation-field.ts'
import type { ModelMeta } from '../../model/model-meta.ts'
import { and, col, type Expr } from '../ast/expression-nodes.ts'
import type { SelectNode } from '../ast/select-node.ts'
import type { DialectFeatures } from '../dialect.ts'
import type { QueryState } from '../query-state.ts'
import { type BuiltQuery, buildSelect, type RowLayout } from './select-builder.ts'

/** The join table of a many-to-many relation: `near` points at the source model, `far` at the target. */
export interface ThroughTable {
  readonly meta: ModelMeta
  readonly near: RelationField
  readonly far: RelationField
}

/**
 * The target's SELECT (with the Prefetch QuerySet's filters and ordering) joined to the join table for a batch of
 * source keys; the source key of each row is the last column (`keyField` converts it).
 *
 * @example `post.tags` for posts 1 and 2 (SQLite):
 * // SELECT "tag"."id", "tag"."name", "blog_post_tags"."post_id" FROM "tag"
 * //   INNER JOIN "blog_post_tags" ON "blog_post_tags"."tag_id" = "tag"."id"
 * //   WHERE "blog_post_tags"."post_id" IN (?, ?)
 */
export function buildManyToMany(
  state: QueryState,
  features: DialectFeatures,
  through: ThroughTable,
  keys: readonly unknown[],
): BuiltQuery<SelectNode> & { layout: RowLayout; keyField: Field } {
  const { meta, near, far } = through
  const built = buildSelect(state, features)
  if (built.layout.kind !== 'instances')
    throw new InvalidValueError(
      `Prefetching ${near.model.name}'s many-to-many needs a QuerySet of ${state.model.name} instances, not values().`,
    )
  const { ctx, node } = built
  const base = (node.from as { alias: string }).alias
  const t = ctx.alias(meta.table)
  const join: SelectNode['joins'][number] = {
    type: 'INNER',
    table: meta.table,
    alias: t,
    on: { k: 'bin', op: '=', l: col(t, far.column, far), r: col(base, far.targetField.column, far.targetField) },
  }
  const inList: Expr = {
    k: 'in',
    e: col(t, near.column, near),
    param: ctx.param([...keys], { field: near, list: keys.length }),
  }
  return {
    ctx,
    layout: built.layout,
    keyField: near,
    empty: built.empty,
    node: {
      ...node,
      joins: [...node.joins, join],
      columns: [...node.columns, { e: col(t, near.column, near) }],
      where: node.where ? and([node.where, inList]) : inList,
    },
  }
}
