import { FieldError, InvalidValueError } from '../../errors.ts'
import type { Field } from '../../model/fields/field.ts'
import type { RelationField } from '../../model/fields/relation-field.ts'
import type { ModelMeta } from '../../model/model-meta.ts'
import { and, col, type Expr, FALSE, lit, TRUE } from '../ast/expression-nodes.ts'
import type { OrderNode, SelectColumn, SelectNode } from '../ast/select-node.ts'
import type { DialectFeatures } from '../dialect.ts'
import { Aggregate, type Expression, OrderBy } from '../expressions.ts'
import { emptyState, type KeysetSpec, type QueryState } from '../query-state.ts'
import { BuildContext, type JoinInfo, Scope } from './build-context.ts'
import { resolvePerRow, resolveTyped } from './expression-builder.ts'
import { keysetCondition } from './keyset-builder.ts'
import { isMany, joinedColumn, parsePath } from './relation-path.ts'
import { buildWhere } from './where-builder.ts'

/** How the columns of a row map onto a model instance and the instances selected with it. */
export interface ModelLayout {
  readonly meta: ModelMeta
  /** Relation name on the parent instance ('' for the root). */
  readonly name: string
  readonly fields: readonly Field[]
  readonly deferred: readonly Field[]
  readonly offset: number
  /** Reached through a LEFT JOIN: an all-NULL primary key means no related row. */
  readonly nullable: boolean
  readonly children: ModelLayout[]
}

export type RowLayout =
  | {
      readonly kind: 'instances'
      readonly root: ModelLayout
      readonly annotations: readonly { name: string; index: number; field: Field | undefined }[]
    }
  | {
      readonly kind: 'values'
      readonly mode: 'objects' | 'tuples' | 'flat'
      readonly names: readonly string[]
      readonly fields: readonly (Field | undefined)[]
    }

export interface BuiltQuery<N> {
  readonly node: N
  readonly ctx: BuildContext
  /**
   * The filters can match no row (an empty `in` list): the caller answers without running the statement, as
   * Django does on `EmptyResultSet`.
   */
  readonly empty?: boolean
}

/** The FROM/WHERE part shared by every read: annotations and filters. */
export function baseScope(state: QueryState, features: DialectFeatures, outer?: BuildContext): Scope {
  const ctx = outer ?? new BuildContext(features)
  const scope = new Scope(ctx, state.model)
  const grouped = state.groupByValues
  const perRow = grouped && perRowAggregates(state)
  for (const name in state.annotations) {
    const a = state.annotations[name]!
    const r =
      perRow && a instanceof Aggregate && perRow.has(a)
        ? resolvePerRow(scope, a)
        : resolveTyped(scope, a, grouped ? 'join' : 'subquery')
    scope.annotations.set(name, { expr: r.expr, field: r.field, aggregate: r.aggregate, integer: r.integer })
  }
  return scope
}

export function whereOf(scope: Scope, state: QueryState): Expr | undefined {
  return conditionsOf(scope, state).where
}

/** WHERE and HAVING: a filter on an aggregate annotation (`Count('id')` over the rows) goes to HAVING. */
export function conditionsOf(scope: Scope, state: QueryState): { where?: Expr; having?: Expr } {
  if (state.where.length === 0) return {}
  const where: Expr[] = []
  const having: Expr[] = []
  const ctx = scope.ctx
  for (const w of state.where) {
    ctx.aggregateRef = false
    const e = buildWhere(scope, w.input, w.negate)
    ;(ctx.aggregateRef ? having : where).push(e)
  }
  ctx.aggregateRef = false
  const w = and(where)
  const h = and(having)
  return { where: w === TRUE ? undefined : w, having: h === TRUE ? undefined : h }
}

/**
 * A partial index's condition (`index([...], { where: { published: true } })`): a filter on the model's own
 * columns, for `SqlCompiler.compileCondition` to inline. Filters that need a join are refused.
 */
export function buildIndexCondition(
  meta: ModelMeta,
  where: Record<string, unknown>,
  features: DialectFeatures,
): { expr: Expr; params: unknown[] } {
  const state = { ...emptyState(meta), where: [{ input: where, negate: false }] }
  const scope = baseScope(state, features)
  const expr = whereOf(scope, state)!
  if (scope.joins.length)
    throw new InvalidValueError(
      `The partial index condition on ${meta.name} can only use its own fields, not relations.`,
    )
  return { expr, params: scope.ctx.params }
}

/** A full SELECT for fetching instances or values. */
export function buildSelect(
  state: QueryState,
  features: DialectFeatures,
  options: { defaultLimit?: number; noOrder?: boolean } = {},
  outer?: BuildContext,
): BuiltQuery<SelectNode> & { layout: RowLayout } {
  const scope = baseScope(state, features, outer)
  const ctx = scope.ctx
  const { where, having } = conditionsOf(scope, state)
  const columns: SelectColumn[] = []
  let layout: RowLayout
  let hasAggregate = false
  for (const a of scope.annotations.values()) hasAggregate ||= a.aggregate

  if (state.values === null) {
    const root = instanceLayout(scope, state, columns)
    const annotations: { name: string; index: number; field: Field | undefined }[] = []
    for (const [name, a] of scope.annotations) {
      annotations.push({ name, index: columns.length, field: a.field })
      columns.push({ e: a.expr, alias: name })
    }
    layout = { kind: 'instances', root, annotations }
  } else {
    const names: string[] = []
    const fields: (Field | undefined)[] = []
    const paths = state.values.length ? state.values : defaultValuePaths(scope, state)
    for (const path of paths) {
      const ann = scope.annotations.get(path)
      if (ann) {
        columns.push({ e: ann.expr, alias: path })
        fields.push(ann.field)
      } else {
        // Through to-many relations too (`values('name', 'posts.title')`): one row per related row, as in Django.
        const parsed = parsePath(scope.meta, path)
        const c = parsed.hops.some(isMany) ? joinedColumn(scope, parsed) : scope.column(path)
        columns.push({ e: c.expr })
        fields.push(c.field)
      }
      names.push(path)
    }
    if (state.valuesMode === 'objects' && state.values.length)
      for (const [name, a] of scope.annotations)
        if (!names.includes(name)) {
          columns.push({ e: a.expr, alias: name })
          names.push(name)
          fields.push(a.field)
        }
    if (state.valuesMode === 'flat' && names.length !== 1)
      throw new InvalidValueError(`valuesList(..., { flat: true }) takes exactly one field; got ${names.length}.`)
    layout = { kind: 'values', mode: state.valuesMode as 'objects', names, fields }
  }

  let groupBy: Expr[] | undefined
  if (hasAggregate) {
    const aggExprs = new Set([...scope.annotations.values()].filter((a) => a.aggregate).map((a) => a.expr))
    groupBy = columns.filter((c) => !aggExprs.has(c.e)).map((c) => c.e)
  }
  const orderBy = options.noOrder ? undefined : orderOf(scope, state, hasAggregate && state.groupByValues)
  const limit = state.limit ?? options.defaultLimit
  const node: SelectNode = {
    k: 'select',
    from: { table: state.model.table, alias: scope.alias },
    joins: scope.joins,
    columns,
    where: state.keyset ? withKeyset(scope, where, orderBy, state.keyset) : where,
    groupBy,
    having,
    orderBy,
    distinct: state.distinct || undefined,
    limit: limit !== undefined ? countParam(scope, limit) : undefined,
    offset: state.offset ? countParam(scope, state.offset) : undefined,
    lock: state.forUpdate,
  }
  return { node, ctx, layout, empty: where === FALSE || having === FALSE }
}

/** The filters AND the keyset bounds of a `paginate()` page. */
function withKeyset(
  scope: Scope,
  where: Expr | undefined,
  order: OrderNode[] | undefined,
  spec: KeysetSpec,
): Expr | undefined {
  if (!spec.after && !spec.before) return where
  if (!order?.length) throw new InvalidValueError('Keyset pagination needs an ordering: call orderBy() first.')
  const left = new Set(scope.joins.filter((j) => j.type === 'LEFT').map((j) => j.alias))
  const k = keysetCondition(scope.ctx, order, spec, (alias) => left.has(alias))
  return where ? and([where, k]) : k
}

function countParam(scope: Scope, n: number): Expr {
  if (!Number.isInteger(n) || n < 0) throw new InvalidValueError(`Limits and offsets must be non-negative integers.`)
  return scope.ctx.param(n, { count: true })
}

function defaultValuePaths(scope: Scope, state: QueryState): string[] {
  const out = state.model.concreteFields.map((f) => f.attname)
  for (const name of scope.annotations.keys()) out.push(name)
  return out
}

/** Columns for the root model and each `selectRelated` path, recording where each instance's columns start. */
function instanceLayout(scope: Scope, state: QueryState, columns: SelectColumn[]): ModelLayout {
  const { only, defer } = state
  const pick = (meta: ModelMeta, prefix: string): { fields: Field[]; deferred: Field[] } => {
    const fields: Field[] = []
    const deferred: Field[] = []
    const ownOnly = only?.filter((p) => pathParent(p) === prefix).map(lastSegment)
    const ownDefer = defer.filter((p) => pathParent(p) === prefix).map(lastSegment)
    for (const n of [...(ownOnly ?? []), ...ownDefer]) {
      if (!meta.fieldMap.has(n) && !meta.attnameMap.has(n))
        throw new FieldError(
          `Unknown field '${n}' on ${meta.name} in only()/defer().`,
          meta.concreteFields.map((f) => f.name),
        )
    }
    for (const f of meta.concreteFields) {
      const keep =
        f === meta.pk ||
        ((ownOnly === undefined ||
          ownOnly.includes(f.name) ||
          ownOnly.includes(f.attname) ||
          isSelectedRelation(state, prefix, f)) &&
          !ownDefer.includes(f.name) &&
          !ownDefer.includes(f.attname))
      ;(keep ? fields : deferred).push(f)
    }
    return { fields, deferred }
  }
  const add = (alias: string, fields: Field[]) => {
    for (const f of fields) columns.push({ e: { k: 'col', t: alias, c: f.column, field: f } })
  }
  const r = pick(state.model, '')
  const root: ModelLayout = { meta: state.model, name: '', ...r, offset: 0, nullable: false, children: [] }
  add(scope.alias, r.fields)
  const byPath = new Map<string, ModelLayout>([['', root]])
  const paths = [...new Set(state.selectRelated.flatMap(expandPath))].sort((a, b) => depth(a) - depth(b))
  for (const path of paths) {
    const parent = byPath.get(pathParent(path))!
    const name = lastSegment(path)
    const f = parent.meta.fieldMap.get(name)
    if (!f || (f.kind !== 'foreignKey' && f.kind !== 'oneToOne'))
      throw new FieldError(
        `selectRelated('${path}'): ${parent.meta.name}.${name} is not a foreign key or one-to-one. Use prefetchRelated for to-many relations.`,
        parent.meta.forwardRelations.filter((x) => x.kind !== 'manyToMany').map((x) => x.name),
      )
    const parentJoin: JoinInfo | null = path.includes('.') ? scope.byPath.get(pathParent(path))! : null
    const join = scope.join(path, f as RelationField, parentJoin)
    const sel = pick(join.meta, path)
    const child: ModelLayout = {
      meta: join.meta,
      name,
      ...sel,
      offset: columns.length,
      nullable: join.nullable,
      children: [],
    }
    add(join.alias, sel.fields)
    parent.children.push(child)
    byPath.set(path, child)
  }
  return root
}

const depth = (p: string) => p.split('.').length
const pathParent = (p: string) => (p.includes('.') ? p.slice(0, p.lastIndexOf('.')) : '')
const lastSegment = (p: string) => p.slice(p.lastIndexOf('.') + 1)
/** `'a.b.c'` → `['a', 'a.b', 'a.b.c']` */
const expandPath = (p: string) => p.split('.').map((_, i, a) => a.slice(0, i + 1).join('.'))
/** A foreign key kept by `only()` implicitly because it is followed by `selectRelated`. */
const isSelectedRelation = (state: QueryState, prefix: string, f: Field) =>
  f.isRelation &&
  state.selectRelated.some(
    (p) => p === (prefix ? `${prefix}.${f.name}` : f.name) || p.startsWith(`${prefix ? `${prefix}.` : ''}${f.name}.`),
  )

/** ORDER BY terms from `orderBy()`, or the model's default ordering. */
function orderOf(scope: Scope, state: QueryState, grouped: boolean): OrderNode[] | undefined {
  const terms = state.order ?? (grouped ? [] : state.model.ordering)
  if (terms.length === 0) return undefined
  const out: OrderNode[] = []
  for (const t of terms) {
    if (t instanceof OrderBy) {
      out.push({ e: resolveTyped(scope, t.expr as Expression, 'subquery').expr, desc: t.descending, nulls: t.nulls })
      continue
    }
    if (t === '?') {
      out.push({ e: { k: 'random' }, desc: false })
      continue
    }
    const desc = t.startsWith('-')
    const path = desc ? t.slice(1) : t
    const ann = scope.annotations.get(path)
    out.push({ e: ann ? ann.expr : scope.column(path).expr, desc })
  }
  return out
}

/** `SELECT COUNT(*)`: wraps the query when it is sliced, distinct or grouped. */
export function buildCount(state: QueryState, features: DialectFeatures): BuiltQuery<SelectNode> {
  if (
    state.limit !== undefined ||
    state.offset ||
    state.distinct ||
    state.groupByValues ||
    hasAnnotations(state) ||
    valuesThroughMany(state)
  ) {
    const inner = buildSelect({ ...state, annotations: state.annotations }, features, { noOrder: true })
    return {
      ctx: inner.ctx,
      empty: inner.empty,
      node: {
        k: 'select',
        from: { sub: inner.node, alias: 'subquery' },
        joins: [],
        columns: [{ e: { k: 'agg', fn: 'COUNT', arg: null, distinct: false } }],
      },
    }
  }
  return filteredSelect(state, features, [{ e: { k: 'agg', fn: 'COUNT', arg: null, distinct: false } }])
}

/** `SELECT <columns> FROM <model> <joins> WHERE <filters>` with nothing else: the body of count and exists. */
function filteredSelect(
  state: QueryState,
  features: DialectFeatures,
  columns: SelectColumn[],
  tail: (scope: Scope) => Partial<SelectNode> = () => ({}),
): BuiltQuery<SelectNode> {
  const scope = baseScope({ ...state, annotations: {} }, features)
  const where = whereOf(scope, state)
  return {
    ctx: scope.ctx,
    empty: where === FALSE,
    node: {
      k: 'select',
      from: { table: state.model.table, alias: scope.alias },
      joins: scope.joins,
      columns,
      where,
      ...tail(scope),
    },
  }
}

const hasAnnotations = (state: QueryState) => Object.keys(state.annotations).length > 0

/** `values('name', 'posts.title')`: a row per related row, so counting rows counts the joined rows. */
const valuesThroughMany = (state: QueryState) =>
  state.values?.some((p) => p.includes('.') && parsePath(state.model, p).hops.some(isMany)) ?? false

/** `SELECT 1 … LIMIT 1`. */
export function buildExists(state: QueryState, features: DialectFeatures): BuiltQuery<SelectNode> {
  if (hasAnnotations(state)) {
    const inner = buildSelect({ ...state, limit: 1 }, features, { noOrder: true })
    return { ctx: inner.ctx, node: inner.node, empty: inner.empty }
  }
  return filteredSelect(state, features, [{ e: lit('1'), alias: 'a' }], (scope) => ({
    limit: lit('1'),
    offset: state.offset ? countParam(scope, state.offset) : undefined,
  }))
}

/** `SELECT SUM(…) AS total, …` over the filtered rows (over a subquery when sliced or distinct). */
export function buildAggregate(
  state: QueryState,
  features: DialectFeatures,
  specs: Record<string, Aggregate>,
): BuiltQuery<SelectNode> & { fields: (Field | undefined)[]; names: string[] } {
  for (const [name, a] of Object.entries(specs))
    if (!(a instanceof Aggregate))
      throw new InvalidValueError(`aggregate({ ${name} }) needs Count, Sum, Avg, Min or Max.`)
  const sliced = state.limit !== undefined || Boolean(state.offset) || hasAnnotations(state)
  const ctx = new BuildContext(features)
  // Sliced: aggregate over the rows of the slice, selected by primary key in a subquery built first.
  const sliceQuery = sliced
    ? buildSelect({ ...state, values: ['pk'], valuesMode: 'flat' }, features, {}, ctx)
    : undefined
  const slice = sliceQuery ? wrapForIn(sliceQuery.node, features) : null
  // Aggregates over the same to-many path share its joined rows; each other path (or the query's own rows beside
  // a to-many path) is aggregated in its own scalar subquery, so no aggregate is multiplied by another's join.
  const entries = Object.entries(specs)
  const main = manyPathOf(state.model, entries[0]?.[1])
  const rowsOf = (): { scope: Scope; where: Expr | undefined } => {
    const scope = baseScope({ ...state, annotations: {} }, features, ctx)
    const where = slice
      ? { k: 'inSub' as const, e: col(scope.alias, state.model.pk.column, state.model.pk), sub: slice }
      : whereOf(scope, state)
    return { scope, where }
  }
  const { scope, where } = rowsOf()
  const names: string[] = []
  const fields: (Field | undefined)[] = []
  const columns: SelectColumn[] = []
  for (const [name, a] of entries) {
    if (manyPathOf(state.model, a) === main) {
      const r = resolveTyped(scope, a, 'join')
      columns.push({ e: r.expr, alias: name })
      fields.push(r.field)
    } else {
      const own = rowsOf()
      const r = resolveTyped(own.scope, a, 'join')
      const sub: SelectNode = {
        k: 'select',
        from: { table: state.model.table, alias: own.scope.alias },
        joins: own.scope.joins,
        columns: [{ e: r.expr }],
        where: own.where,
      }
      columns.push({ e: { k: 'sub', sub }, alias: name })
      fields.push(r.field)
    }
    names.push(name)
  }
  return {
    ctx,
    names,
    fields,
    empty: where === FALSE || sliceQuery?.empty === true,
    node: { k: 'select', from: { table: state.model.table, alias: scope.alias }, joins: scope.joins, columns, where },
  }
}

/**
 * In a grouped `values().annotate()` whose aggregates read different row sets (the query's own rows and a to-many
 * path, or two paths), the to-many aggregates that a join would multiply the others by: they are computed per row
 * instead (`resolvePerRow`). Null when every aggregate reads one row set (one shared join serves them all).
 */
function perRowAggregates(state: QueryState): Set<Aggregate> | null {
  const aggs = Object.values(state.annotations).filter((a): a is Aggregate => a instanceof Aggregate)
  const paths = new Map(aggs.map((a) => [a, manyPathOf(state.model, a)]))
  if (new Set(paths.values()).size <= 1) return null
  const out = new Set<Aggregate>()
  const joined: string[] = []
  for (const [a, path] of paths) {
    if (!path) continue
    // COUNT(DISTINCT …) has no per-row form; it stays a join, which duplicates cannot change.
    if (a.options.distinct) joined.push(a.path)
    else out.add(a)
  }
  const sensitive = aggs.find((a) => !paths.get(a) && !a.options.distinct && a.fn !== 'Min' && a.fn !== 'Max')
  if (joined.length && sensitive)
    throw new InvalidValueError(
      `values().annotate(): ${sensitive.fn}('${sensitive.path}') would be multiplied by the join of the distinct ` +
        `aggregate over '${joined[0]}'. Annotate them in two queries, or make the distinct one a Count without distinct.`,
    )
  return out
}

/** The path of an aggregate's last to-many hop ('' for one over the query's own rows): what its rows are. */
function manyPathOf(meta: ModelMeta, a: Aggregate | undefined): string {
  if (!a || a.path === '*') return ''
  const hops = parsePath(meta, a.path).hops
  let path = ''
  let many = ''
  for (const h of hops) {
    path = path ? `${path}.${h.name}` : h.name
    if (isMany(h)) many = path
  }
  return many
}

/** MySQL refuses LIMIT inside `IN (subquery)`; a derived table around it is accepted everywhere. */
export function wrapForIn(node: SelectNode, features: DialectFeatures): SelectNode {
  if (!features.requiresDerivedTableForSelfSubquery && node.limit === undefined) return node
  return {
    k: 'select',
    from: { sub: node, alias: 'U' },
    joins: [],
    columns: [{ e: lit('*') }],
  }
}
