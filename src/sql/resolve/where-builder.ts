import { FieldError, InvalidValueError } from '../../errors.ts'
import type { Field } from '../../model/fields/field.ts'
import type { RelationField } from '../../model/fields/relation-field.ts'
import type { ModelMeta, ReverseRelation } from '../../model/model-meta.ts'
import { isModelInstance, pkValue } from '../../model/runtime.ts'
import { and, col, type Expr, FALSE, lit, not, or, type PatternLookup } from '../ast/expression-nodes.ts'
import type { SelectNode } from '../ast/select-node.ts'
import { Expression, QNode } from '../expressions.ts'
import type { FilterInput, QueryState } from '../query-state.ts'
import { type JoinInfo, Scope } from './build-context.ts'
import { resolveExpression } from './expression-builder.ts'
import { buildSelect, wrapForIn } from './select-builder.ts'

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

function isEmpty(o: Record<string, unknown>): boolean {
  for (const _ in o) return false
  return true
}

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

/** A filter on the rows joined at `path` (an aggregate's `filter` over a joined relation). */
export function buildWhereAt(scope: Scope, join: JoinInfo, path: string, input: FilterInput): Expr {
  return filterExpr({ scope, meta: join.meta, alias: join.alias, path, join }, input, false)
}

/** Deepest nesting of `Q` terms and relation objects in one filter: past it, an error rather than a stack overflow. */
const MAX_FILTER_DEPTH = 100
let depth = 0

function filterExpr(place: Place, input: FilterInput, negated: boolean): Expr {
  if (depth >= MAX_FILTER_DEPTH)
    throw new InvalidValueError(
      `A filter is nested more than ${MAX_FILTER_DEPTH} levels deep (Q terms or relation objects). Flatten it: Q.or(a, b, c) takes any number of terms.`,
    )
  depth++
  try {
    return filterTerms(place, input, negated)
  } finally {
    depth--
  }
}

function filterTerms(place: Place, input: FilterInput, negated: boolean): Expr {
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
  if (isPlainObject(value) && isEmpty(value))
    // `filter({ title: req.body.title })` with a body of `{}` would otherwise match every row.
    throw new InvalidValueError(
      `Filter on '${meta.name}.${key}' got an empty object: it names no lookup and would match every row. Pass a value or a lookup such as { exact: … }; validate untyped input (request bodies, query strings) with a schema validator before it reaches filter().`,
    )
  if (place.path === '' && scope.annotations.has(key)) {
    const a = scope.annotations.get(key)!
    if (a.aggregate) ctx.aggregateRef = true
    return lookupsExpr(place, a.expr, a.field, value, negated, false)
  }
  const field = meta.findField(key)
  if (field) {
    if (field.kind === 'manyToMany') return manyToManyExpr(place, field as RelationField, value, negated)
    if ((field.kind === 'foreignKey' || field.kind === 'oneToOne') && field.name === key)
      return forwardExpr(place, field as RelationField, value, negated)
    return lookupsExpr(place, col(place.alias, field.column, field), field, value, negated, nullableAt(place, field))
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
  const nullable = nullableAt(place, field)
  if (!isPlainObject(value)) return lookupsExpr(place, local, field, asPk(value), negated, nullable)
  const parts: Expr[] = []
  const lookups: Record<string, unknown> = {}
  const nested: Record<string, unknown> = {}
  for (const k in value) (LOOKUPS.has(k) ? lookups : nested)[k] = value[k]
  if (Object.keys(lookups).length) parts.push(lookupsExpr(place, local, field, lookups, negated, nullable))
  if (Object.keys(nested).length) {
    // A nested filter on the target's primary key needs no join: it is our own column.
    const pkOnly = Object.keys(nested).every((k) => k === 'pk' || k === field.targetMeta.pk.name)
    if (pkOnly && field.targetField === field.targetMeta.pk) {
      for (const k in nested) {
        parts.push(lookupsExpr(place, local, field, nested[k], negated, nullable))
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

/**
 * Whether the column can read as NULL here: a nullable field, or any field of a row reached through a LEFT JOIN
 * (a nullable foreign key). exclude() must then keep the rows where it is NULL, as Django does.
 */
function nullableAt(place: Place, field: Field): boolean {
  return field.nullable || (place.join?.nullable ?? false)
}

function asPk(value: unknown): unknown {
  return isModelInstance(value) ? pkValue(value) : value
}

/** The related rows of one to-many hop: a subquery scope linked back to the outer row. */
interface ToMany {
  readonly sub: Scope
  /** `<related>.<fk> = <outer>.<key>` (through the join table for many-to-many). */
  readonly link: Expr
  /** The related primary key (or the join table's far key), for `{ posts: 5 }` and `{ posts: { in: […] } }`. */
  readonly key: Expr
  readonly keyField: Field
  /** Where a nested filter on the related model is resolved. */
  nested(): Place
}

/** Reverse foreign key / one-to-one: `EXISTS (SELECT 1 FROM post U WHERE U.author_id = author.id AND …)`. */
function reverseExpr(place: Place, rev: ReverseRelation, value: unknown, negated: boolean): Expr {
  const ctx = place.scope.ctx
  const related = rev.related
  return toManyExpr(value, negated, () => {
    const sub = new Scope(ctx, related)
    return {
      sub,
      link: {
        k: 'bin',
        op: '=',
        l: col(sub.alias, rev.field.column, rev.field),
        r: col(place.alias, rev.field.targetField.column, rev.field.targetField),
      },
      key: col(sub.alias, related.pk.column, related.pk),
      keyField: related.pk,
      nested: () => ({ scope: sub, meta: related, alias: sub.alias, path: '', join: null }),
    }
  })
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
  return toManyExpr(value, negated, () => {
    const sub = new Scope(ctx, through)
    return {
      sub,
      link: {
        k: 'bin',
        op: '=',
        l: col(sub.alias, near.column, near),
        r: col(place.alias, near.targetField.column, near.targetField),
      },
      key: col(sub.alias, far.column, far),
      keyField: far,
      nested: () => {
        const join = sub.join(far.name, far, null)
        return { scope: sub, meta: far.targetMeta, alias: join.alias, path: far.name, join }
      },
    }
  })
}

/**
 * A condition on a to-many relation. Lookups on the relation itself compare the related key inside one EXISTS;
 * `isnull` asks whether a related row exists at all (`{ posts: { isnull: true } }`, or `{ posts: null }`: authors
 * with no post, a NOT EXISTS, as Django answers); a nested object is one EXISTS whose conditions all apply to the
 * same related row.
 */
function toManyExpr(value: unknown, negated: boolean, open: () => ToMany): Expr {
  let lookups: Record<string, unknown>
  if (value === null) lookups = { isnull: true }
  else if (!isPlainObject(value)) lookups = { exact: asPk(value) }
  else if (Object.keys(value).every((k) => LOOKUPS.has(k))) lookups = value
  else {
    const t = open()
    const cond = filterExpr(t.nested(), value, negated)
    const some = existsOf(t.sub, and([t.link, cond]))
    if (!acceptsMissing(t.nested().meta, value)) return some
    // Only `isnull: true` conditions below: Django's LEFT JOIN also matches when there is no related row at all
    // (`{ posts: { tags: { isnull: true } } }` includes authors without posts).
    return or([some, not(existsOf(t.sub, t.link))])
  }
  const parts: Expr[] = []
  const rest: Record<string, unknown> = {}
  for (const name in lookups) {
    const v = lookups[name]
    const presence = name === 'isnull' ? v : (name === 'exact' || name === 'iexact') && v === null ? true : undefined
    if (presence === undefined) {
      rest[name] = v
      continue
    }
    if (typeof presence !== 'boolean') throw new InvalidValueError(`Lookup 'isnull' takes true or false.`)
    const t = open()
    const any = existsOf(t.sub, t.link)
    parts.push(presence ? not(any) : any)
  }
  if (Object.keys(rest).length) {
    const t = open()
    const at: Place = { scope: t.sub, meta: t.sub.meta, alias: t.sub.alias, path: '', join: null }
    const cond = lookupsExpr(at, t.key, t.keyField, rest, negated, false)
    parts.push(existsOf(t.sub, and([t.link, cond])))
  }
  return and(parts)
}

function existsOf(sub: Scope, where: Expr): Expr {
  if (where === FALSE) return FALSE
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
  } else if ((name === 'exact' || name === 'iexact') && value === null) {
    // Django: `exact=None` and `iexact=None` both mean IS NULL.
    return { k: 'isnull', e: lhs, negate: false }
  } else if (name === 'exact') {
    e =
      field && STRINGY.has(field.kind)
        ? { k: 'pattern', lookup: 'exact', e: lhs, p: ctx.param(value, { field, exact: true }) }
        : { k: 'bin', op: '=', l: lhs, r: ctx.param(value, { field }) }
  } else if (name === 'isnull') {
    if (typeof value !== 'boolean') throw new InvalidValueError(`Lookup 'isnull' takes true or false.`)
    return { k: 'isnull', e: lhs, negate: !value }
  } else if (name === 'in') {
    const subState = queryStateOf(value)
    if (subState) {
      e = inSubquery(scope, lhs, subState, field)
    } else {
      if (!Array.isArray(value) && !(value instanceof Set))
        throw new InvalidValueError(
          `Lookup 'in'${field ? ` on ${field.qualifiedName}` : ''} takes an array or a QuerySet.`,
        )
      const list = [...value].filter((v) => v !== null && v !== undefined).map(asPk)
      if (list.length === 0) {
        // Django's EmptyResultSet: no row matches, and a query whose WHERE is only this does not run at all.
        e = FALSE
      } else e = { k: 'in', e: lhs, param: ctx.param(list, { field, list: list.length }) }
    }
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
  if (e === FALSE) return FALSE
  // exclude() keeps SQL's three-valued logic from dropping NULL rows: NOT (c = ? AND c IS NOT NULL).
  if (negated && nullable) return and([e, { k: 'isnull', e: lhs, negate: true }])
  return e
}

/** The state of a QuerySet passed as a value (`{ author: { in: Author.filter(…) } }`), found by its shape. */
function queryStateOf(v: unknown): QueryState | undefined {
  if (v === null || typeof v !== 'object' || !('state' in v)) return undefined
  const st = (v as { state: unknown }).state as QueryState | null
  return st && typeof st === 'object' && Array.isArray(st.where) && typeof st.model?.table === 'string' ? st : undefined
}

/**
 * `lhs IN (SELECT …)` for an `in` lookup given a QuerySet: its primary keys, or the one column of a
 * `valuesList(field, { flat: true })` / `values(field)` QuerySet (Django's `author__in=qs`). Ordering is dropped
 * unless the QuerySet is sliced; a QuerySet that can match nothing makes the lookup match nothing.
 */
function inSubquery(scope: Scope, lhs: Expr, st: QueryState, field: Field | undefined): Expr {
  const ctx = scope.ctx
  if (st.values !== null && st.values.length !== 1)
    throw new InvalidValueError(
      `Lookup 'in'${field ? ` on ${field.qualifiedName}` : ''} takes a QuerySet of one column; use valuesList('id', { flat: true }).`,
    )
  const values = st.values ?? ['pk']
  const sliced = st.limit !== undefined || Boolean(st.offset)
  const inner: QueryState = {
    ...st,
    values,
    valuesMode: 'flat',
    selectRelated: [],
    prefetch: [],
    only: null,
    defer: [],
    forUpdate: undefined,
  }
  const built = buildSelect(inner, ctx.features, { noOrder: !sliced }, ctx)
  if (built.node.where === FALSE || built.node.having === FALSE) return FALSE
  return { k: 'inSub', e: lhs, sub: wrapForIn(built.node, ctx.features) }
}

/**
 * Whether a nested filter holds on a missing related row, i.e. on all-NULL columns: every condition in it is an
 * `isnull: true` (or `null`), directly or through further relations.
 */
function acceptsMissing(meta: ModelMeta, value: Record<string, unknown>): boolean {
  const isNullTest = (v: unknown): boolean =>
    v === null ||
    (isPlainObject(v) &&
      Object.keys(v).length > 0 &&
      Object.entries(v).every(
        ([k, x]) => (k === 'isnull' && x === true) || ((k === 'exact' || k === 'iexact') && x === null),
      ))
  for (const key in value) {
    const v = value[key]
    const field = meta.findField(key)
    const target =
      field?.isRelation && field.name === key ? (field as RelationField).targetMeta : meta.reverse.get(key)?.related
    const ok =
      isNullTest(v) ||
      (target !== undefined &&
        isPlainObject(v) &&
        !Object.keys(v).some((k) => LOOKUPS.has(k)) &&
        acceptsMissing(target, v))
    if (!ok) return false
  }
  return Object.keys(value).length > 0
}
