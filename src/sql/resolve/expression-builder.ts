import { InvalidValueError } from '../../errors.ts'
import type { Field } from '../../model/fields/field.ts'
import type { RelationField } from '../../model/fields/relation-field.ts'
import { and, col, type Expr } from '../ast/expression-nodes.ts'
import type { JoinNode, SelectNode } from '../ast/select-node.ts'
import { Aggregate, Arith, type Expression, FieldRef } from '../expressions.ts'
import { type Hop, type JoinInfo, Scope } from './build-context.ts'
import { isMany, joinedColumn, parsePath } from './relation-path.ts'
import { buildWhere, buildWhereAt } from './where-builder.ts'

const AGG_SQL = { Count: 'COUNT', Sum: 'SUM', Avg: 'AVG', Min: 'MIN', Max: 'MAX' } as const

export interface ResolvedExpression {
  expr: Expr
  /** Field whose type the value has (for conversion of results). */
  field: Field | undefined
  /** Contains an aggregate over the query's own rows (needs GROUP BY). */
  aggregate: boolean
  /** An aggregate joined across to-many relations: the path of the last one ('' otherwise). */
  manyPath?: string
  /** The value is an integer (integer fields, Count, integer literals and arithmetic on them). */
  integer?: boolean
}

const INTEGER_KINDS = new Set(['auto', 'integer', 'bigint'])

/** An integer column: integer kinds, and foreign keys to them. */
export function isIntegerField(field: Field | undefined): boolean {
  if (!field) return false
  const f = field.isRelation ? (field as RelationField).targetField : field
  return INTEGER_KINDS.has(f.kind)
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
      // An integer binds as an integer (node:sqlite would bind every JS number as REAL); a fraction is cast to a
      // float, since PostgreSQL would otherwise type the parameter like the integer column beside it.
      // Past 32 bits the integer is cast to 64 (PostgreSQL would type it int4 beside an integer column and fail).
      const integer = Number.isInteger(e.rhs)
      const wide = integer && Math.abs(e.rhs) > 2147483647
      const p = ctx.param(e.rhs, { integer })
      const expr: Expr = integer ? (wide ? { k: 'cast', e: p, to: 'integer' } : p) : { k: 'cast', e: p, to: 'float' }
      r = { expr, field: undefined, aggregate: false, integer }
    } else r = resolveTyped(scope, e.rhs, mode)
    const integer = (l.integer ?? false) && (r.integer ?? false)
    // Django's contract: integer / integer is integer division (truncated toward zero) on every backend.
    const op = e.op === '/' && integer ? 'div' : e.op
    return {
      expr: { k: 'bin', op, l: l.expr, r: r.expr },
      field: l.field,
      aggregate: l.aggregate || r.aggregate,
      integer,
    }
  }
  if (e instanceof FieldRef) {
    const ann = scope.annotations.get(e.path)
    if (ann) return { expr: ann.expr, field: ann.field, aggregate: ann.aggregate, integer: ann.integer }
    const c = scope.column(e.path)
    return { expr: c.expr, field: c.field, aggregate: false, integer: isIntegerField(c.field) }
  }
  if (e instanceof Aggregate) return resolveAggregate(scope, e, mode)
  throw new InvalidValueError('Unknown expression. Use F(), Q, Count, Sum, Avg, Min or Max.')
}

function resolveAggregate(scope: Scope, a: Aggregate, mode: 'subquery' | 'join'): ResolvedExpression {
  const ctx = scope.ctx
  const fn = AGG_SQL[a.fn]
  const distinct = a.options.distinct ?? false
  if (a.path === '*') {
    return {
      expr: { k: 'agg', fn, arg: null, distinct },
      field: undefined,
      aggregate: true,
      manyPath: '',
      integer: true,
    }
  }
  const parsed = parsePath(scope.meta, a.path)
  const first = parsed.hops.findIndex(isMany)
  if (first === -1 || mode === 'join') {
    // Over the query's own rows (forward joins only), or with every hop joined in (aggregate(), grouped values()).
    const c = joinedColumn(scope, parsed)
    const filter = a.options.filter ? filterOn(scope, c.manyPath, a.options.filter) : undefined
    return {
      expr: { k: 'agg', fn, arg: c.expr, distinct, filter, field: c.field },
      field: resultField(a.fn, c.field),
      aggregate: true,
      manyPath: c.manyPath,
      integer: integerResult(a.fn, c.field),
    }
  }
  // annotate(): a correlated subquery per row over the related rows, so several never multiply each other.
  let outer: JoinInfo | null = null
  let prefix = ''
  for (const hop of parsed.hops.slice(0, first)) {
    if (hop.kind !== 'forward') break
    prefix = prefix ? `${prefix}.${hop.name}` : hop.name
    outer = scope.join(prefix, hop.field, outer)
  }
  const outerAlias = outer?.alias ?? scope.alias
  const hop = parsed.hops[first] as Exclude<Hop, { kind: 'forward' }>
  const related = new Scope(ctx, hop.target)
  let link: Expr
  const throughJoins: JoinNode[] = []
  if (hop.kind === 'reverse') link = eq(related.alias, hop.rev.field, outerAlias)
  else {
    const t = ctx.alias(hop.through.table)
    link = eq(t, hop.near, outerAlias)
    throughJoins.push({ type: 'INNER', table: hop.through.table, alias: t, on: eq(t, hop.far, related.alias) })
  }
  const target = joinedColumn(related, { ...parsed, hops: parsed.hops.slice(first + 1) })
  const filter = a.options.filter ? filterOn(related, target.manyPath, a.options.filter) : undefined
  const agg: Expr = { k: 'agg', fn, arg: target.expr, distinct, field: target.field }
  const node: SelectNode = {
    k: 'select',
    from: { table: related.meta.table, alias: related.alias },
    joins: [...throughJoins, ...related.joins],
    columns: [{ e: agg }],
    where: and([link, ...(filter ? [filter] : [])]),
  }
  return {
    expr: { k: 'sub', sub: node },
    field: resultField(a.fn, target.field),
    aggregate: false,
    manyPath: '',
    integer: integerResult(a.fn, target.field),
  }
}

/**
 * A to-many aggregate of a grouped `values().annotate()` beside aggregates over other rows: computed per row by a
 * correlated subquery and combined over the group (a SUM of counts and sums, MIN of minimums, MAX of maximums, and
 * for Avg the sum of sums over the sum of counts), so no join multiplies the other aggregates. The result is what
 * one join of this path alone would give.
 */
export function resolvePerRow(scope: Scope, a: Aggregate): ResolvedExpression {
  const sum = (e: Expr): Expr => ({ k: 'agg', fn: 'SUM', arg: e, distinct: false })
  if (a.fn === 'Avg') {
    const s = resolveTyped(scope, new Aggregate('Sum', a.path, a.options), 'subquery')
    const n = resolveTyped(scope, new Aggregate('Count', a.path, a.options), 'subquery')
    const count: Expr = { k: 'fn', name: 'NULLIF', args: [sum(n.expr), { k: 'lit', sql: '0' }] }
    const expr: Expr = { k: 'bin', op: '/', l: { k: 'cast', e: sum(s.expr), to: 'float' }, r: count }
    return { expr, field: undefined, aggregate: true, integer: false }
  }
  const r = resolveTyped(scope, a, 'subquery')
  const fn = a.fn === 'Min' ? 'MIN' : a.fn === 'Max' ? 'MAX' : 'SUM'
  const combined: Expr = { k: 'agg', fn, arg: r.expr, distinct: false }
  // SUM widens integers to DECIMAL (MySQL) or NUMERIC (PostgreSQL), which drivers hand over as strings.
  const expr: Expr = r.integer && fn === 'SUM' ? { k: 'cast', e: combined, to: 'integer' } : combined
  return { expr, field: r.field, aggregate: true, integer: r.integer }
}

/**
 * An aggregate's `filter`: on the related rows at `manyPath` (`Count('posts', { filter: { published: true } })`
 * filters posts), on the query's own rows when the aggregate has no to-many hop.
 */
function filterOn(scope: Scope, manyPath: string, filter: NonNullable<Aggregate['options']['filter']>): Expr {
  if (!manyPath) return buildWhere(scope, filter, false)
  const join = scope.byPath.get(manyPath)!
  return buildWhereAt(scope, join, manyPath, filter)
}

/** `<alias>.<fk column> = <targetAlias>.<target column>` */
function eq(alias: string, fk: RelationField, targetAlias: string): Expr {
  return { k: 'bin', op: '=', l: col(alias, fk.column, fk), r: col(targetAlias, fk.targetField.column, fk.targetField) }
}

/** Count is an integer, and Sum, Min and Max of integers. */
function integerResult(fn: Aggregate['fn'], field: Field | undefined): boolean {
  return fn === 'Count' || (fn !== 'Avg' && isIntegerField(field))
}

/** Count is an integer; Avg a float; Sum, Min and Max have the type of their field. */
function resultField(fn: Aggregate['fn'], field: Field | undefined): Field | undefined {
  return fn === 'Count' || fn === 'Avg' ? undefined : field
}
