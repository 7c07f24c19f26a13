import { FieldError, InvalidValueError } from '../../errors.ts'
import type { Field } from '../../model/fields/field.ts'
import type { RelationField } from '../../model/fields/relation-field.ts'
import type { ModelMeta, ReverseRelation } from '../../model/model-meta.ts'
import { isModelInstance, pkValue } from '../../model/runtime.ts'
import { and, col, type Expr, lit, not, or, type PatternLookup } from '../ast/expression-nodes.ts'
import type { SelectNode } from '../ast/select-node.ts'
import { Expression, QNode } from '../expressions.ts'
import type { FilterInput } from '../query-state.ts'
import { type JoinInfo, Scope } from './build-context.ts'
import { resolveExpression } from './expression-builder.ts'

export const LOOKUPS = new Set([
  'exact',
  'iexact',
  'contains',
  'icontains',
  'startswith',
  'istartswith',
  'endswith',
  'iendswith',
  'in',
  'gt',
  'gte',
  'lt',
  'lte',
  'range',
  'isnull',
  'regex',
  'iregex',
])
const PATTERNS = new Set(['iexact', 'contains', 'icontains', 'startswith', 'istartswith', 'endswith', 'iendswith'])
const COMPARE = { gt: '>', gte: '>=', lt: '<', lte: '<=' } as const
const STRINGY = new Set(['string', 'text', 'enum', 'uuid'])

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== 'object') return false
  const p = Object.getPrototypeOf(v)
  return p === Object.prototype || p === null
}

/** Where a filter's names are resolved: a scope plus the join reached so far (for nested relation filters). */
interface Place {
  readonly scope: Scope
  readonly meta: ModelMeta
  readonly alias: string
  readonly path: string
  readonly join: JoinInfo | null
}

/** `filter(...)` / `exclude(...)` inputs → one WHERE expression. */
export function buildWhere(scope: Scope, input: FilterInput, negate: boolean): Expr {
  const place: Place = { scope, meta: scope.meta, alias: scope.alias, path: '', join: null }
  const e = filterExpr(place, input, negate)
  return negate ? not(e) : e
}

function filterExpr(place: Place, input: FilterInput, negated: boolean): Expr {
  if (input instanceof QNode) {
    const parts = input.children.map((c) => filterExpr(place, c, input.op === 'not' ? !negated : negated))
    if (input.op === 'not') return not(and(parts))
    return input.op === 'or' ? or(parts) : and(parts)
  }
  if (!isPlainObject(input))
    throw new InvalidValueError(`filter() takes objects like { title: 'x' } or Q expressions; got ${typeof input}.`)
  const parts: Expr[] = []
  for (const key in input) {
    const value = input[key]
    if (value === undefined)
      throw new InvalidValueError(
        `Filter on '${key}' of ${place.meta.name} is undefined. Leave the key out, or use null (isnull) explicitly.`,
      )
    parts.push(entryExpr(place, key, value, negated))
  }
  return and(parts)
}

function entryExpr(place: Place, key: string, value: unknown, negated: boolean): Expr {
  const { scope, meta } = place
  const ctx = scope.ctx
  if (place.path === '' && scope.annotations.has(key)) {
    const a = scope.annotations.get(key)!
    if (a.aggregate) ctx.aggregateRef = true
    return lookupsExpr(place, a.expr, a.field, value, negated, false)
  }
  const field = key === 'pk' ? meta.pk : (meta.fieldMap.get(key) ?? meta.attnameMap.get(key))
  if (field) {
    if (field.kind === 'manyToMany') return manyToManyExpr(place, field as RelationField, value, negated)
    if ((field.kind === 'foreignKey' || field.kind === 'oneToOne') && field.name === key)
      return forwardExpr(place, field as RelationField, value, negated)
    return lookupsExpr(place, col(place.alias, field.column, field), field, value, negated, field.nullable)
  }
  const rev = meta.reverse.get(key)
  if (rev) {
    return rev.kind === 'manyToMany'
      ? reverseManyExpr(place, rev, value, negated)
      : reverseExpr(place, rev, value, negated)
  }
  const names = place.path === '' ? [...meta.fieldNames(), ...scope.annotations.keys()] : meta.fieldNames()
  throw new FieldError(`Cannot resolve keyword '${key}' into field of ${meta.name}.`, names)
}

/** `{ author: 5 }`, `{ author: inst }`, `{ author: { name: 'x' } }`, `{ author: { in: [1, 2] } }`. */
function forwardExpr(place: Place, field: RelationField, value: unknown, negated: boolean): Expr {
  const local = col(place.alias, field.column, field)
  if (!isPlainObject(value)) return lookupsExpr(place, local, field, asPk(value), negated, field.nullable)
  const parts: Expr[] = []
  const lookups: Record<string, unknown> = {}
  const nested: Record<string, unknown> = {}
  for (const k in value) (LOOKUPS.has(k) ? lookups : nested)[k] = value[k]
  if (Object.keys(lookups).length) parts.push(lookupsExpr(place, local, field, lookups, negated, field.nullable))
  if (Object.keys(nested).length) {
    // A nested filter on the target's primary key needs no join: it is our own column.
    const pkOnly = Object.keys(nested).every((k) => k === 'pk' || k === field.targetMeta.pk.name)
    if (pkOnly && field.targetField === field.targetMeta.pk) {
      for (const k in nested) {
        parts.push(lookupsExpr(place, local, field, nested[k], negated, field.nullable))
      }
    } else {
      const path = place.path ? `${place.path}.${field.name}` : field.name
      const join = place.scope.join(path, field, place.join)
      parts.push(
        filterExpr({ scope: place.scope, meta: field.targetMeta, alias: join.alias, path, join }, nested, negated),
      )
    }
  }
  return and(parts)
}

function asPk(value: unknown): unknown {
  return isModelInstance(value) ? pkValue(value) : value
}

/** Reverse foreign key / one-to-one: `EXISTS (SELECT 1 FROM post U WHERE U.author_id = author.id AND …)`. */
function reverseExpr(place: Place, rev: ReverseRelation, value: unknown, negated: boolean): Expr {
  const ctx = place.scope.ctx
  const related = rev.related
  const sub = new Scope(ctx, related)
  const link: Expr = {
    k: 'bin',
    op: '=',
    l: col(sub.alias, rev.field.column, rev.field),
    r: col(place.alias, rev.field.targetField.column, rev.field.targetField),
  }
  const cond = relatedCondition(sub, related, value, negated)
  return existsOf(sub, and([link, cond]))
}

/** Many-to-many from either side: EXISTS over the join table, joined to the far model when needed. */
function manyToManyExpr(place: Place, field: RelationField, value: unknown, negated: boolean): Expr {
  return throughExists(place, field.throughMeta!, field.throughSource!, field.throughTarget!, value, negated)
}

function reverseManyExpr(place: Place, rev: ReverseRelation, value: unknown, negated: boolean): Expr {
  const f = rev.field
  return throughExists(place, f.throughMeta!, f.throughTarget!, f.throughSource!, value, negated)
}

function throughExists(
  place: Place,
  through: ModelMeta,
  near: RelationField,
  far: RelationField,
  value: unknown,
  negated: boolean,
): Expr {
  const ctx = place.scope.ctx
  const sub = new Scope(ctx, through)
  const link: Expr = {
    k: 'bin',
    op: '=',
    l: col(sub.alias, near.column, near),
    r: col(place.alias, near.targetField.column, near.targetField),
  }
  const farKey = col(sub.alias, far.column, far)
  let cond: Expr
  if (!isPlainObject(value) || Object.keys(value).every((k) => LOOKUPS.has(k))) {
    cond = lookupsExpr({ ...place, scope: sub, alias: sub.alias }, farKey, far, asPk(value), negated, false)
  } else {
    const join = sub.join(far.name, far, null)
    cond = filterExpr({ scope: sub, meta: far.targetMeta, alias: join.alias, path: far.name, join }, value, negated)
  }
  return existsOf(sub, and([link, cond]))
}

function relatedCondition(sub: Scope, related: ModelMeta, value: unknown, negated: boolean): Expr {
  const place: Place = { scope: sub, meta: related, alias: sub.alias, path: '', join: null }
  if (!isPlainObject(value) || Object.keys(value).every((k) => LOOKUPS.has(k))) {
    return lookupsExpr(place, col(sub.alias, related.pk.column, related.pk), related.pk, asPk(value), negated, false)
  }
  const e = filterExpr(place, value, negated)
  return e
}

function existsOf(sub: Scope, where: Expr): Expr {
  const node: SelectNode = {
    k: 'select',
    from: { table: sub.meta.table, alias: sub.alias },
    joins: sub.joins,
    columns: [{ e: lit('1') }],
    where,
  }
  return { k: 'exists', sub: node }
}

/** A value or a lookup object applied to one column expression. */
function lookupsExpr(
  place: Place,
  lhs: Expr,
  field: Field | undefined,
  value: unknown,
  negated: boolean,
  nullable: boolean,
): Expr {
  if (isPlainObject(value)) {
    const parts: Expr[] = []
    for (const name in value) {
      if (!LOOKUPS.has(name))
        throw new FieldError(`Unsupported lookup '${name}'${field ? ` for ${field.qualifiedName}` : ''}.`, [...LOOKUPS])
      parts.push(lookup(place, lhs, field, name, value[name], negated, nullable))
    }
    return and(parts)
  }
  return lookup(place, lhs, field, 'exact', value, negated, nullable)
}

function lookup(
  place: Place,
  lhs: Expr,
  field: Field | undefined,
  name: string,
  value: unknown,
  negated: boolean,
  nullable: boolean,
): Expr {
  const scope = place.scope
  const ctx = scope.ctx
  if (value === undefined)
    throw new InvalidValueError(`Lookup '${name}'${field ? ` on ${field.qualifiedName}` : ''} is undefined.`)
  let e: Expr
  if (value instanceof Expression) {
    const rhs = resolveExpression(scope, value)
    const op = name === 'exact' ? '=' : COMPARE[name as keyof typeof COMPARE]
    if (!op) throw new FieldError(`Lookup '${name}' cannot take an F() expression; use exact, gt, gte, lt or lte.`)
    e = { k: 'bin', op, l: lhs, r: rhs }
  } else if (name === 'exact') {
    if (value === null) {
      return { k: 'isnull', e: lhs, negate: false }
    }
    e =
      field && STRINGY.has(field.kind)
        ? { k: 'pattern', lookup: 'exact', e: lhs, p: ctx.param(value, { field }) }
        : { k: 'bin', op: '=', l: lhs, r: ctx.param(value, { field }) }
  } else if (name === 'isnull') {
    if (typeof value !== 'boolean') throw new InvalidValueError(`Lookup 'isnull' takes true or false.`)
    return { k: 'isnull', e: lhs, negate: !value }
  } else if (name === 'in') {
    if (!Array.isArray(value) && !(value instanceof Set))
      throw new InvalidValueError(`Lookup 'in'${field ? ` on ${field.qualifiedName}` : ''} takes an array.`)
    const list = [...value].filter((v) => v !== null && v !== undefined).map(asPk)
    e = { k: 'in', e: lhs, param: ctx.param(list, { field, list: list.length }) }
  } else if (name === 'range') {
    if (!Array.isArray(value) || value.length !== 2)
      throw new InvalidValueError(`Lookup 'range' takes a [low, high] pair.`)
    e = { k: 'between', e: lhs, lo: ctx.param(value[0], { field }), hi: ctx.param(value[1], { field }) }
  } else if (name === 'regex' || name === 'iregex') {
    e = { k: 'regex', ci: name === 'iregex', e: lhs, p: ctx.param(value, { field, lookup: name }) }
  } else if (PATTERNS.has(name)) {
    if (value === null) throw new InvalidValueError(`Lookup '${name}' cannot take null; use isnull.`)
    const lk = name as PatternLookup
    e = { k: 'pattern', lookup: lk, e: lhs, p: ctx.param(value, { field, lookup: lk }) }
  } else {
    if (value === null) throw new InvalidValueError(`Lookup '${name}' cannot take null; use isnull.`)
    e = { k: 'bin', op: COMPARE[name as keyof typeof COMPARE], l: lhs, r: ctx.param(asPk(value), { field }) }
  }
  // exclude() keeps SQL's three-valued logic from dropping NULL rows: NOT (c = ? AND c IS NOT NULL).
  if (negated && nullable) return and([e, { k: 'isnull', e: lhs, negate: true }])
  return e
}
