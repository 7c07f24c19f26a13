import { FieldError, InvalidValueError } from '../../errors.ts'
import type { Field } from '../../model/fields/field.ts'
import type { RelationField } from '../../model/fields/relation-field.ts'
import type { ModelMeta } from '../../model/model-meta.ts'
import { Arith, FieldRef, OrderBy } from '../../sql/expressions.ts'
import type { QueryState } from '../../sql/query-state.ts'
import { decodeCursor, encodeCursor, orderingFingerprint } from './cursor.ts'

/** `paginate()` arguments, Relay-style: `first` (+ `after`) pages forward, `last` (+ `before`) backward. */
export interface PaginateArgs {
  first?: number | undefined
  last?: number | undefined
  after?: string | null | undefined
  before?: string | null | undefined
}

/** One keyset page. Cursors are opaque strings to pass back as `after` / `before`. */
export interface KeysetPage<T> {
  readonly items: T[]
  readonly hasNextPage: boolean
  readonly hasPreviousPage: boolean
  /** Cursor of the first item (null on an empty page). */
  readonly startCursor: string | null
  /** Cursor of the last item (null on an empty page). */
  readonly endCursor: string | null
}

/** One term of the ordering, resolved to the field whose value the cursor carries. */
interface Term {
  readonly path: string
  readonly desc: boolean
  readonly nulls: 'first' | 'last' | undefined
  readonly field: Field
  /** Can be NULL: a nullable field, or reached through a nullable foreign key. */
  readonly nullable: boolean
  /** Forward relations walked to reach the field (`author.name` → `['author']`). */
  readonly relations: readonly string[]
}

export interface KeysetPlan {
  readonly terms: readonly Term[]
  readonly fingerprint: string
  readonly size: number
  readonly backward: boolean
  /** The QuerySet state that reads the page: ordering (reversed when backward), keyset bounds, LIMIT size + 1. */
  readonly patch: Partial<QueryState>
  readonly args: PaginateArgs
}

/**
 * How to read one keyset page of `state`. The ordering gets the primary key as its last term unless it already
 * ends in a unique, non-null field of the model; `'author.name'` terms are followed with `selectRelated` so the
 * cursor can be read off the rows.
 */
export function planKeyset(state: QueryState, args: PaginateArgs): KeysetPlan {
  if (args === null || typeof args !== 'object')
    throw new InvalidValueError('paginate() takes { first, after } or { last, before }.')
  const { first, last } = args
  if ((first === undefined) === (last === undefined))
    throw new InvalidValueError('paginate() takes either first (pages forward) or last (pages backward).')
  const size = (first ?? last)!
  if (!Number.isInteger(size) || size < 1)
    throw new InvalidValueError(`paginate({ ${first !== undefined ? 'first' : 'last'} }) must be a positive integer.`)
  if (state.values !== null)
    throw new InvalidValueError('paginate() pages instances: call it on the QuerySet before values() / valuesList().')
  if (state.limit !== undefined || state.offset)
    throw new InvalidValueError('paginate() cannot page a sliced QuerySet: drop limit()/offset()/slice().')
  if (state.distinct) throw new InvalidValueError('paginate() cannot page a distinct() QuerySet.')
  const meta = state.model
  const raw = state.order ?? meta.ordering
  const terms = raw.map((t) => resolveTerm(meta, state, t))
  const lastTerm = terms[terms.length - 1]
  const unique =
    lastTerm !== undefined &&
    lastTerm.relations.length === 0 &&
    !lastTerm.nullable &&
    (lastTerm.field === meta.pk || lastTerm.field.unique)
  if (!unique)
    terms.push({
      path: 'pk',
      desc: lastTerm?.desc ?? false,
      nulls: undefined,
      field: meta.pk,
      nullable: false,
      relations: [],
    })
  const fingerprint = orderingFingerprint(
    meta.name,
    terms.map((t) => `${t.desc ? '-' : ''}${t.path}${t.nulls ? `:${t.nulls}` : ''}`),
  )
  const after = args.after == null ? undefined : decodeCursor(args.after, fingerprint, terms, 'after')
  const before = args.before == null ? undefined : decodeCursor(args.before, fingerprint, terms, 'before')
  const backward = last !== undefined
  const order = terms.map((t) => orderTerm(t, backward))
  const relations = [...new Set(terms.filter((t) => t.relations.length).map((t) => t.relations.join('.')))]
  const paths = terms.map((t) => t.path).filter((p) => p !== 'pk')
  const patch: Partial<QueryState> = {
    order,
    keyset: after || before ? (backward ? { after: before, before: after } : { after, before }) : undefined,
    limit: size + 1,
    selectRelated: [...state.selectRelated, ...relations.filter((r) => !state.selectRelated.includes(r))],
    only: state.only === null ? null : [...new Set([...state.only, ...paths])],
    defer: state.defer.filter((d) => !paths.includes(d)),
  }
  return { terms, fingerprint, size, backward, patch, args }
}

/** The page from the rows the plan's query returned (at most size + 1). */
export function keysetPage<T>(plan: KeysetPlan, rows: T[]): KeysetPage<T> {
  const more = rows.length > plan.size
  const items = more ? rows.slice(0, plan.size) : rows
  if (plan.backward) items.reverse()
  const { after, before } = plan.args
  // The cursors' values are read off the rows now (a later change to an item or to `items` does not move them) and
  // encoded when first read: a page's reader usually wants one cursor, a server rendering items neither. Own
  // enumerable getters, so JSON.stringify, spreading and structuredClone still see both.
  const first = items.length ? valuesOf(items[0], plan.terms) : null
  const last = items.length ? valuesOf(items[items.length - 1], plan.terms) : null
  const cursor = (values: unknown[] | null) => (values === null ? null : encodeCursor(plan.fingerprint, values))
  let start: string | null | undefined
  let end: string | null | undefined
  return {
    items,
    hasNextPage: plan.backward ? before != null : more,
    hasPreviousPage: plan.backward ? more : after != null,
    get startCursor() {
      if (start === undefined) start = cursor(first)
      return start
    },
    get endCursor() {
      if (end === undefined) end = cursor(last)
      return end
    },
  }
}

function valuesOf(row: unknown, terms: readonly Term[]): unknown[] {
  return terms.map((t) => {
    let o = row as Record<string, unknown> | null | undefined
    for (const r of t.relations) {
      o = o?.[r] as Record<string, unknown> | null | undefined
      if (o == null) return null
    }
    return o?.[t.field.attname] ?? null
  })
}

function orderTerm(t: Term, reverse: boolean): string | OrderBy {
  const desc = reverse ? !t.desc : t.desc
  if (!t.nulls) return `${desc ? '-' : ''}${t.path}`
  const first = reverse ? t.nulls === 'last' : t.nulls === 'first'
  return new OrderBy(new FieldRef(t.path), desc, first ? { nullsFirst: true } : { nullsLast: true })
}

function resolveTerm(meta: ModelMeta, state: QueryState, t: string | OrderBy): Term {
  let path: string
  let desc: boolean
  let nulls: 'first' | 'last' | undefined
  if (typeof t === 'string') {
    if (t === '?') throw new InvalidValueError("paginate() cannot page a random ordering ('?').")
    desc = t.startsWith('-')
    path = desc ? t.slice(1) : t
    nulls = undefined
  } else {
    if (!(t.expr instanceof FieldRef) || t.expr instanceof Arith)
      throw new InvalidValueError('paginate() orders by fields: use F(path).asc()/.desc(), not an expression.')
    path = t.expr.path
    desc = t.descending
    nulls = t.nulls
  }
  if (path in state.annotations)
    throw new FieldError(`paginate() cannot order by the annotation '${path}': order by model fields.`)
  const parts = path.split('.')
  let m = meta
  let nullable = false
  for (const name of parts.slice(0, -1)) {
    const f = m.fieldMap.get(name)
    if (!f || (f.kind !== 'foreignKey' && f.kind !== 'oneToOne'))
      throw new FieldError(
        `paginate(): cannot follow '${name}' in '${path}': ${m.name}.${name} is not a foreign key or one-to-one.`,
        m.forwardRelations.filter((r) => r.kind !== 'manyToMany').map((r) => r.name),
      )
    nullable ||= f.nullable
    m = (f as RelationField).targetMeta
  }
  const last = parts[parts.length - 1]!
  const field = m.findField(last)
  if (!field?.concrete)
    throw new FieldError(
      `paginate(): cannot order by '${path}'.`,
      m.concreteFields.map((f) => f.name),
    )
  return { path, desc, nulls, field, nullable: nullable || field.nullable, relations: parts.slice(0, -1) }
}
