import { InvalidValueError } from '../../errors.ts'
import type { Field } from '../../model/fields/field.ts'
import type { RelationField } from '../../model/fields/relation-field.ts'
import { and, col, type Expr } from '../ast/expression-nodes.ts'
import type { SelectNode } from '../ast/select-node.ts'
import { Aggregate, Arith, type Expression, FieldRef } from '../expressions.ts'
import { Scope } from './build-context.ts'
import { buildWhere } from './where-builder.ts'

const AGG_SQL = { Count: 'COUNT', Sum: 'SUM', Avg: 'AVG', Min: 'MIN', Max: 'MAX' } as const

export interface ResolvedExpression {
  expr: Expr
  /** Field whose type the value has (for conversion of results). */
  field: Field | undefined
  /** Contains an aggregate over the query's own rows (needs GROUP BY). */
  aggregate: boolean
}

/** `F('views').add(1)` and friends → AST, resolving field paths in `scope`. */
export function resolveExpression(scope: Scope, e: Expression): Expr {
  return resolveTyped(scope, e, 'subquery').expr
}

/**
 * Resolve an expression. Aggregates over to-many relations become correlated subqueries in `subquery` mode
 * (annotate: no GROUP BY needed, several aggregates don't multiply each other) and LEFT JOINs in `join` mode
 * (aggregate() and grouped values()).
 */
export function resolveTyped(scope: Scope, e: Expression, mode: 'subquery' | 'join'): ResolvedExpression {
  const ctx = scope.ctx
  if (e instanceof Arith) {
    const l = resolveTyped(scope, e.lhs, mode)
    let r: ResolvedExpression
    if (typeof e.rhs === 'number') {
      if (!Number.isFinite(e.rhs)) throw new InvalidValueError(`F() arithmetic needs a finite number.`)
      r = { expr: ctx.param(e.rhs, {}), field: undefined, aggregate: false }
    } else r = resolveTyped(scope, e.rhs, mode)
    return { expr: { k: 'bin', op: e.op, l: l.expr, r: r.expr }, field: l.field, aggregate: l.aggregate || r.aggregate }
  }
  if (e instanceof FieldRef) {
    const ann = scope.annotations.get(e.path)
    if (ann) return { expr: ann.expr, field: ann.field, aggregate: ann.aggregate }
    const c = scope.column(e.path)
    return { expr: c.expr, field: c.field, aggregate: false }
  }
  if (e instanceof Aggregate) return resolveAggregate(scope, e, mode)
  throw new InvalidValueError('Unknown expression. Use F(), Q, Count, Sum, Avg, Min or Max.')
}

function resolveAggregate(scope: Scope, a: Aggregate, mode: 'subquery' | 'join'): ResolvedExpression {
  const ctx = scope.ctx
  const fn = AGG_SQL[a.fn]
  const [head, ...rest] = a.path.split('.')
  const meta = scope.meta
  const rev = meta.reverse.get(head!)
  const m2m = meta.fieldMap.get(head!)
  const toMany = rev?.multiple || m2m?.kind === 'manyToMany'
  if (!toMany) {
    const c = a.path === '*' ? null : scope.column(a.path)
    const filter = a.options.filter ? buildWhere(scope, a.options.filter, false) : undefined
    return {
      expr: { k: 'agg', fn, arg: c?.expr ?? null, distinct: a.options.distinct ?? false, filter, field: c?.field },
      field: resultField(a.fn, c?.field),
      aggregate: true,
    }
  }
  // The related rows: a scope whose base is the far model, linked back to the outer row.
  let related: Scope
  let link: { outer: Expr; through?: { table: string; alias: string; far: Expr } }
  if (rev && rev.kind !== 'manyToMany') {
    related = new Scope(ctx, rev.related)
    link = { outer: eq(related.alias, rev.field, scope.alias) }
  } else {
    const f = (m2m?.kind === 'manyToMany' ? m2m : rev!.field) as RelationField
    const forward = m2m?.kind === 'manyToMany'
    const near = forward ? f.throughSource! : f.throughTarget!
    const far = forward ? f.throughTarget! : f.throughSource!
    related = new Scope(ctx, far.targetMeta)
    const t = ctx.alias(f.throughMeta!.table)
    link = {
      outer: eq(t, near, scope.alias),
      through: { table: f.throughMeta!.table, alias: t, far: eq(t, far, related.alias) },
    }
  }
  const target = related.column(rest.length ? rest.join('.') : 'pk')
  const filter = a.options.filter ? buildWhere(related, a.options.filter, false) : undefined
  const agg: Expr = { k: 'agg', fn, arg: target.expr, distinct: a.options.distinct ?? false, field: target.field }
  const field = resultField(a.fn, target.field)
  if (mode === 'join') {
    // LEFT JOIN the join table (many-to-many), then the related rows, into the outer scope.
    const th = link.through
    if (th) scope.joins.push({ type: 'LEFT', table: th.table, alias: th.alias, on: link.outer })
    scope.joins.push({ type: 'LEFT', table: related.meta.table, alias: related.alias, on: th ? th.far : link.outer })
    for (const j of related.joins) scope.joins.push({ ...j, type: 'LEFT' })
    return { expr: filter ? { ...agg, filter } : agg, field, aggregate: true }
  }
  const th = link.through
  const node: SelectNode = {
    k: 'select',
    from: { table: related.meta.table, alias: related.alias },
    joins: [
      ...(th ? [{ type: 'INNER' as const, table: th.table, alias: th.alias, on: th.far }] : []),
      ...related.joins,
    ],
    columns: [{ e: agg }],
    where: and([link.outer, ...(filter ? [filter] : [])]),
  }
  return { expr: { k: 'sub', sub: node }, field, aggregate: false }
}

/** `<alias>.<fk column> = <targetAlias>.<target column>` */
function eq(alias: string, fk: RelationField, targetAlias: string): Expr {
  return { k: 'bin', op: '=', l: col(alias, fk.column, fk), r: col(targetAlias, fk.targetField.column, fk.targetField) }
}

/** Count is an integer; Avg a float; Sum, Min and Max have the type of their field. */
function resultField(fn: Aggregate['fn'], field: Field | undefined): Field | undefined {
  return fn === 'Count' || fn === 'Avg' ? undefined : field
}
