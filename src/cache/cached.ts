import type { Cache, GetOrSetOptions } from './cache.ts'

export interface CachedOptions<A extends unknown[]> extends GetOrSetOptions {
  cache: Cache
  /** The key for one call's arguments. */
  key: (...args: A) => string
}

/**
 * Wrap an async function so its results are cached by argument (`getOrSet` underneath: single-flight, ttl,
 * optional lock and early refresh).
 *
 * @example
 * const postsOf = cached((id: number) => db.Post.filter({ author: id }), { cache, key: (id) => `user_posts_${id}`, ttl: 3600 })
 * await postsOf(7)
 */
export function cached<A extends unknown[], R>(
  fn: (...args: A) => R | PromiseLike<R>,
  options: CachedOptions<A>,
): (...args: A) => Promise<Awaited<R>> {
  const { cache, key, ...rest } = options
  return (...args: A) => cache.getOrSet(key(...args), () => fn(...args), rest)
}
