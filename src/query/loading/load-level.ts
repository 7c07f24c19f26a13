import { InvalidValueError } from '../../errors.ts'
import { cacheRelation, type ModelInstance } from '../../model/runtime.ts'
import { emptyState, type QueryState } from '../../sql/query-state.ts'
import { QuerySet } from '../query-set.ts'
import { fetchManyToMany } from './m2m-query.ts'
import type { Relation } from './relation.ts'
import { internalState, type LoadScope } from './scope.ts'

type Row = Record<string, unknown>
/** The loaded value for each source instance: an instance or null (single-valued), or an array. */
export type LevelValues = Map<ModelInstance, ModelInstance | null | ModelInstance[]>

/**
 * Load `rel` for every instance of `objs` with one query per batch of keys: keys deduplicated, one `= ANY(?)`
 * parameter where the backend binds arrays, otherwise `IN` lists cut under its bind-parameter limit.
 *
 * @example for `Author.prefetchRelated('posts')` over 3 authors:
 * // SELECT … FROM "blog_post" WHERE "blog_post"."author_id" IN (?, ?, ?) ORDER BY …
 */
export async function loadLevel(
  scope: LoadScope,
  objs: readonly ModelInstance[],
  rel: Relation,
  query: QueryState | undefined,
): Promise<LevelValues> {
  if (query && (query.limit !== undefined || query.offset))
    throw new InvalidValueError(
      `Prefetch('${rel.name}', …) cannot take a sliced QuerySet: the slice would apply to all parents together. Filter it instead.`,
    )
  if (query && query.model !== rel.target)
    throw new InvalidValueError(
      `Prefetch('${rel.name}', …) needs a QuerySet of ${rel.target.name}, not of ${query.model.name}.`,
    )
  const keyAttr = rel.sourceKey.attname
  const keys = new Set<unknown>()
  for (const o of objs) {
    const k = (o as unknown as Row)[keyAttr]
    if (k !== null && k !== undefined) keys.add(k)
  }
  const base = groupedOrder(rel, internalState(query ?? emptyState(rel.target), scope))
  const byKey = new Map<unknown, ModelInstance[]>()
  if (keys.size) {
    for (const batch of batches([...keys], batchSize(scope, base))) {
      if (rel.kind === 'manyToMany') {
        for (const [k, inst] of await fetchManyToMany(scope, base, rel, batch)) push(byKey, k, inst)
        continue
      }
      const filter = { input: { [rel.targetKey.name]: { in: batch } }, negate: false }
      const rows = await new QuerySet(scope.db, { ...base, where: [...base.where, filter] }).fetch()
      const attr = rel.targetKey.attname
      for (const r of rows as unknown as ModelInstance[]) push(byKey, (r as unknown as Row)[attr], r)
    }
  }
  const out: LevelValues = new Map()
  /** Groups already given to a parent: another parent with the same key gets a copy, never a shared array. */
  let given: Set<ModelInstance[]> | undefined
  for (const o of objs) {
    const found = byKey.get((o as unknown as Row)[keyAttr])
    if (!rel.many) out.set(o, found?.[0] ?? null)
    else if (!found) out.set(o, [])
    else if (!(given ??= new Set()).has(found)) {
      given.add(found)
      out.set(o, found)
    } else out.set(o, [...found])
  }
  cacheBack(rel, out)
  return out
}

/**
 * Rows are grouped per parent, so ordering by the foreign key first leaves each group's order unchanged, and lets
 * an index on (foreign key, ordering) serve the query instead of a sort of every row (`index(['author', '-createdAt'])`).
 */
function groupedOrder(rel: Relation, state: QueryState): QueryState {
  if (rel.kind !== 'reverseMany') return state
  const order = state.order ?? rel.target.ordering
  if (order.length === 0 || order[0] === '?') return state
  return { ...state, order: [rel.targetKey.name, ...order] }
}

/** Each loaded object also knows the object it was loaded for (`post.author` after prefetching `author.posts`). */
function cacheBack(rel: Relation, values: LevelValues): void {
  if (rel.kind === 'reverseMany' || rel.kind === 'reverseOne') {
    const name = rel.field.name
    values.forEach((v, parent) => {
      if (Array.isArray(v)) for (let i = 0; i < v.length; i++) cacheRelation(v[i]!, name, parent)
      else if (v) cacheRelation(v, name, parent)
    })
  } else if (rel.kind === 'forward' && rel.field.kind === 'oneToOne' && rel.back) {
    for (const [parent, v] of values) if (v && !Array.isArray(v)) cacheRelation(v, rel.back, parent)
  }
}

function push(map: Map<unknown, ModelInstance[]>, k: unknown, v: ModelInstance): void {
  const list = map.get(k)
  if (list) list.push(v)
  else map.set(k, [v])
}

/** Keys per query: all of them where an array is one parameter, else what fits beside the query's own params. */
function batchSize(scope: LoadScope, state: QueryState): number {
  const features = scope.db.runner.features(scope.alias)
  if (features.hasArrayParams) return Number.POSITIVE_INFINITY
  // The query's own filters take some parameters (an `in` list of theirs counts each element): leave room.
  let own = 0
  const count = (v: unknown): void => {
    if (Array.isArray(v)) for (const x of v) count(x)
    else if (v && typeof v === 'object') for (const x of Object.values(v)) count(x)
    else own++
  }
  for (const w of state.where) count(w.input)
  return Math.max(1, features.maxBindParams - own - 16)
}

function batches<T>(items: T[], size: number): T[][] {
  if (items.length <= size) return [items]
  const out: T[][] = []
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size))
  return out
}
