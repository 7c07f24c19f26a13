import { FieldError, InvalidValueError } from '../../errors.ts'
import type { Field } from '../../model/fields/field.ts'
import type { ModelMeta } from '../../model/model-meta.ts'
import { isModelInstance, pkValue } from '../../model/runtime.ts'
import { col, type Expr, FALSE } from '../ast/expression-nodes.ts'
import type { DeleteNode, InsertNode, UpdateNode } from '../ast/write-nodes.ts'
import type { DialectFeatures } from '../dialect.ts'
import { Expression } from '../expressions.ts'
import type { QueryState } from '../query-state.ts'
import { BuildContext, type Scope } from './build-context.ts'
import { resolveExpression } from './expression-builder.ts'
import { type BuiltQuery, baseScope, buildSelect, whereOf, wrapForIn } from './select-builder.ts'

/**
 * WHERE for UPDATE/DELETE. Conditions that need joins become `pk IN (SELECT pk …)`, since neither statement
 * takes joins portably.
 */
function writeWhere(
  state: QueryState,
  features: DialectFeatures,
  tag: string,
): { scope: Scope; where: Expr | undefined; empty: boolean } {
  if (state.limit !== undefined || state.offset)
    throw new InvalidValueError(
      `Cannot ${tag === 'U' ? 'update' : 'delete'} a sliced QuerySet. Filter by primary key instead.`,
    )
  const ctx = new BuildContext(features)
  const probe = baseScope(state, features, ctx)
  const where = whereOf(probe, state)
  if (probe.joins.length === 0 || where === FALSE) return { scope: probe, where, empty: where === FALSE }
  const inner = buildSelect(
    { ...state, values: ['pk'], valuesMode: 'flat', order: [] },
    features,
    { noOrder: true },
    ctx,
  ).node
  return {
    scope: probe,
    where: { k: 'inSub', e: col(probe.alias, state.model.pk.column, state.model.pk), sub: wrapForIn(inner, features) },
    empty: false,
  }
}

/** `UPDATE t SET … WHERE …` from `QuerySet.update(values)`. */
export function buildUpdate(
  state: QueryState,
  features: DialectFeatures,
  values: Record<string, unknown>,
): BuiltQuery<UpdateNode> {
  const { scope, where, empty } = writeWhere(state, features, 'U')
  const ctx = scope.ctx
  const sets: [string, Expr][] = []
  for (const key in values) {
    const field = assignableField(state.model, key)
    const v = values[key]
    if (v === undefined) continue
    sets.push([field.column, valueExpr(scope, field, v)])
  }
  if (sets.length === 0) throw new InvalidValueError('update() needs at least one field to set.')
  return { ctx, empty, node: { k: 'update', table: state.model.table, sets, where } }
}

/** `DELETE FROM t WHERE …`; the database applies each foreign key's ON DELETE. */
export function buildDelete(state: QueryState, features: DialectFeatures): BuiltQuery<DeleteNode> {
  const { scope, where, empty } = writeWhere(state, features, 'D')
  return { ctx: scope.ctx, empty, node: { k: 'delete', table: state.model.table, where } }
}

/** A field that `update()` / `create()` may set, by name or attname. */
export function assignableField(meta: ModelMeta, key: string): Field {
  const f = meta.fieldMap.get(key) ?? meta.attnameMap.get(key)
  if (!f?.concrete) {
    if (f?.kind === 'manyToMany')
      throw new FieldError(`${meta.name}.${key} is many-to-many: use instance.${key}.set([...]) instead.`)
    throw new FieldError(
      `Unknown field '${key}' on ${meta.name}.`,
      meta.concreteFields.map((x) => x.name),
    )
  }
  return f
}

function valueExpr(scope: Scope, field: Field, v: unknown): Expr {
  if (v instanceof Expression) {
    const before = scope.joins.length
    const e = resolveExpression(scope, v)
    if (scope.joins.length !== before)
      throw new FieldError(`update() cannot use F() across relations (${field.qualifiedName}).`)
    return e
  }
  return scope.ctx.param(isModelInstance(v) ? pkValue(v) : v, { field })
}

/** Multi-row `INSERT`; one parameter per value. */
export function buildInsert(
  meta: ModelMeta,
  features: DialectFeatures,
  fields: readonly Field[],
  rows: readonly (readonly unknown[])[],
  options: { returning?: readonly string[]; onConflict?: InsertNode['onConflict'] } = {},
): BuiltQuery<InsertNode> {
  const ctx = new BuildContext(features)
  const out: Expr[][] = []
  for (const row of rows) {
    const r: Expr[] = []
    for (let i = 0; i < fields.length; i++) {
      const f = fields[i]!
      r.push(ctx.param(row[i], { field: f }))
    }
    out.push(r)
  }
  return {
    ctx,
    node: {
      k: 'insert',
      table: meta.table,
      columns: fields.map((f) => f.column),
      rows: out,
      returning: options.returning,
      onConflict: options.onConflict,
    },
  }
}
