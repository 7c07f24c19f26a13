import type { Field } from '../../model/fields/field.ts'
import { compileInstanceMapper, type InstanceMapper } from '../../model/row-mapper.ts'
import type { ModelInstance } from '../../model/runtime.ts'
import { and, col, type Expr } from '../../sql/ast/expression-nodes.ts'
import type { SelectNode } from '../../sql/ast/select-node.ts'
import type { QueryState } from '../../sql/query-state.ts'
import { buildSelect } from '../../sql/resolve/select-builder.ts'
import type { Relation } from './relation.ts'
import type { LoadScope } from './scope.ts'

interface M2mMapper {
  readonly map: InstanceMapper
  readonly key: ((v: unknown) => unknown) | null
  readonly bigints: boolean
}

/**
 * Many-to-many rows for a batch of source keys in one query: the target's SELECT (with the Prefetch QuerySet's
 * filters and ordering) joined to the join table, which also yields the source key of each row.
 *
 * @example `post.tags` for posts 1 and 2 (SQLite):
 * // SELECT "tag"."id", "tag"."name", "blog_post_tags"."post_id" FROM "tag"
 * //   INNER JOIN "blog_post_tags" ON "blog_post_tags"."tag_id" = "tag"."id"
 * //   WHERE "blog_post_tags"."post_id" IN (?, ?)
 */
export async function fetchManyToMany(
  scope: LoadScope,
  state: QueryState,
  rel: Relation,
  keys: readonly unknown[],
): Promise<[unknown, ModelInstance][]> {
  const { db, alias } = scope
  const { meta: through, near, far } = rel.through!
  const backend = db.executor.backend(alias)
  const built = buildSelect(state, backend.features)
  if (built.empty) return []
  const { ctx, layout } = built
  if (layout.kind !== 'instances') throw new Error('many-to-many prefetch needs instances')
  const node = built.node
  const base = (node.from as { alias: string }).alias
  const t = ctx.alias(through.table)
  const join: SelectNode['joins'][number] = {
    type: 'INNER',
    table: through.table,
    alias: t,
    on: { k: 'bin', op: '=', l: col(t, far.column, far), r: col(base, far.targetField.column, far.targetField) },
  }
  const inList: Expr = {
    k: 'in',
    e: col(t, near.column, near),
    param: ctx.param([...keys], { field: near, list: keys.length }),
  }
  const keyIndex = node.columns.length
  const joined: SelectNode = {
    ...node,
    joins: [...node.joins, join],
    columns: [...node.columns, { e: col(t, near.column, near) }],
    where: node.where ? and([node.where, inList]) : inList,
  }
  ctx.key += `|M2M${through.name}.${near.name}`
  const entry = db.executor.shape(backend, ctx.key, joined)
  const mapper =
    (entry.mapper as M2mMapper | undefined) ??
    (entry.mapper = makeMapper(layout.root, layout.annotations, near, backend))
  const info = { kind: 'select' as const, model: state.model.name, site: state.site }
  const rows = await db.executor.rows(
    alias,
    entry.compiled,
    ctx.params,
    info,
    mapper.bigints ? { bigints: true } : undefined,
  )
  const out: ModelInstance[] = new Array(rows.length)
  const host = db.loading.hostFor(alias, state, out, false)
  const pairs: [unknown, ModelInstance][] = new Array(rows.length)
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i]!
    out[i] = mapper.map(row, host)
    const k = row[keyIndex]
    pairs[i] = [mapper.key ? mapper.key(k) : k, out[i]!]
  }
  if (out.length) await db.loading.afterFetch(out, state, alias, false)
  return pairs
}

function makeMapper(
  root: Parameters<typeof compileInstanceMapper>[0],
  annotations: Parameters<typeof compileInstanceMapper>[1],
  near: Field,
  backend: { ops: { fromDb(f: Field): ((v: unknown) => unknown) | null } },
): M2mMapper {
  const fields: Field[] = []
  const collect = (l: typeof root) => {
    fields.push(...l.fields)
    l.children.forEach(collect)
  }
  collect(root)
  return {
    map: compileInstanceMapper(root, annotations, (f) => backend.ops.fromDb(f)),
    key: backend.ops.fromDb(near),
    bigints:
      [...fields, ...annotations.map((a) => a.field)].some((f) => f?.kind === 'bigint') || near.kind === 'bigint',
  }
}
