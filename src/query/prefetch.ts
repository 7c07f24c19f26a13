import { InvalidValueError, StateError } from '../errors.ts'
import { HOST, isModelInstance, type ModelInstance, metaOf } from '../model/runtime.ts'
import type { Models } from '../model/schema.ts'
import type { Instance, InstanceTypesOf } from '../model/types.ts'
import type { QueryState } from '../sql/query-state.ts'
import type { DbCore } from './db-core.ts'
import { runPrefetch } from './loading/prefetch-runner.ts'
import { type AddLookups, type PrefetchArg, PrefetchLookup, toPrefetchSpecs } from './loading/prefetch-types.ts'
import { ResultHost } from './loading/result-host.ts'

/**
 * A `prefetchRelated` lookup with its own QuerySet (filters, ordering, `selectRelated`, nested prefetches) and,
 * with `to`, stored under another attribute instead of the relation.
 *
 * @example
 * await Author.prefetchRelated(
 *   Prefetch('posts', Post.filter({ published: true }).orderBy('-createdAt'), { to: 'publishedPosts' }))
 * // author.publishedPosts: Post[]
 */
export function Prefetch<const P extends string, R = never, const To extends string | undefined = undefined>(
  path: P,
  queryset?: PromiseLike<R[]> & { readonly state: QueryState },
  options: { to?: To } = {},
): PrefetchLookup<P, R, To> {
  if (typeof path !== 'string' || path === '') throw new InvalidValueError('Prefetch() takes a relation path first.')
  if (queryset !== undefined && !(queryset && typeof queryset === 'object' && 'state' in queryset))
    throw new InvalidValueError(`Prefetch('${path}', queryset): the second argument must be a QuerySet.`)
  if (options.to !== undefined && (typeof options.to !== 'string' || !/^[A-Za-z_]\w*$/.test(options.to)))
    throw new InvalidValueError(`Prefetch('${path}', …, { to }): 'to' must be an attribute name.`)
  if (queryset?.state.values)
    throw new InvalidValueError(`Prefetch('${path}', queryset): the QuerySet must return instances, not values().`)
  return new PrefetchLookup(path, queryset?.state, options.to as To)
}

type Typed<I> =
  InstanceTypesOf<I> extends [infer M extends Models, infer N, infer L] ? [M, N & keyof M & string, L] : never

/**
 * `prefetchRelated` for instances already in hand (one query per relation level for all of them). Returns the
 * same array, typed with the relations loaded.
 *
 * @example
 * const posts = await Post.filter({ published: true })
 * await prefetchRelatedObjects(posts, 'author', 'tags')   // 2 queries
 */
export async function prefetchRelatedObjects<I extends object, const P extends PrefetchArg<Typed<I>[0], Typed<I>[1]>>(
  instances: readonly I[],
  ...lookups: P[]
): Promise<Instance<Typed<I>[0], Typed<I>[1], AddLookups<Typed<I>[0], Typed<I>[1], Typed<I>[2], P>>[]> {
  const list = instances as unknown as ModelInstance[]
  if (!Array.isArray(list)) throw new InvalidValueError('prefetchRelatedObjects() takes an array of instances first.')
  const specs = toPrefetchSpecs(lookups)
  if (list.length === 0) return list as never
  const first = list[0]!
  const meta = isModelInstance(first) ? metaOf(first) : undefined
  for (const o of list)
    if (!isModelInstance(o) || metaOf(o) !== meta)
      throw new InvalidValueError('prefetchRelatedObjects() takes instances of one model.')
  const host = first[HOST] as (ResultHost | { db?: DbCore; alias?: string }) | undefined
  const where = host instanceof ResultHost ? { db: host.loader.db, alias: host.info.alias } : host
  if (!where?.db || where.alias === undefined)
    throw new StateError(
      'NO_DATABASE',
      `These ${meta!.name} instances are not attached to a database. Load or create them through db.${meta!.name}.`,
    )
  const parent = host instanceof ResultHost ? host.info : undefined
  await runPrefetch({ db: where.db, alias: where.alias, mode: parent?.mode, parent }, list, specs)
  return list as never
}
