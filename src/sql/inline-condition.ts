import type { Backend } from '../backends/backend.ts'
import type { ModelMeta } from '../model/model-meta.ts'
import { bindParams } from './compiled-query.ts'
import { emptyState } from './query-state.ts'
import { baseScope, whereOf } from './resolve/select-builder.ts'

/**
 * A partial-index condition (a filter object on the model's own fields) compiled with its values inlined as
 * literals, because DDL takes no parameters.
 *
 * @example
 * inlineCondition(backend, postMeta, { published: true }) // PostgreSQL: "published" = TRUE
 */
export function inlineCondition(backend: Backend, meta: ModelMeta, where: Record<string, unknown>): string {
  const state = { ...emptyState(meta), where: [{ input: where, negate: false }] }
  const scope = baseScope(state, backend.features, 'P')
  const node = whereOf(scope, state)!
  const compiled = backend.compiler.compile({
    k: 'select',
    from: { table: meta.table, alias: scope.alias },
    joins: [],
    columns: [],
    where: node,
  })
  const values = bindParams(compiled, scope.ctx.params)
  const sql = compiled.sql.slice(compiled.sql.indexOf(' WHERE ') + 7)
  let i = 0
  const prefix = `${backend.ops.quote(scope.alias)}.`
  return sql
    .replace(/\?|\$\d+/g, () => backend.ops.literal(values[i++]))
    .split(prefix)
    .join('')
}
