import { Aggregate, type AggregateOptions, FieldRef, QNode } from '../sql/expressions.ts'
import type { FilterInput } from '../sql/query-state.ts'

/**
 * A reference to a column of the row, for comparisons between fields and atomic updates.
 *
 * @example
 * await Post.filter({ author: 3 }).update({ views: F('views').add(1) })
 * // UPDATE "blog_post" SET "views" = "blog_post"."views" + ? WHERE "blog_post"."author_id" = ?
 */
export function F(path: string): FieldRef {
  return new FieldRef(path)
}

/**
 * Boolean combinations of filters.
 *
 * @example
 * Post.filter(Q.or({ views: { gte: 100 } }, Q.not({ published: false })))
 * // WHERE ("blog_post"."views" >= ? OR NOT ("blog_post"."published" = ?))
 */
export const Q = {
  and: (...filters: FilterInput[]): QNode => new QNode('and', filters),
  or: (...filters: FilterInput[]): QNode => new QNode('or', filters),
  not: (filter: FilterInput): QNode => new QNode('not', [filter]),
}

/** `COUNT(path)`; `Count('posts')` counts related rows. */
export const Count = <const P extends string>(path: P, options?: AggregateOptions) =>
  new Aggregate<number, P>('Count', path, options)
/** `SUM(path)`; null over no rows. */
export const Sum = <const P extends string>(path: P, options?: AggregateOptions) =>
  new Aggregate<number | null, P>('Sum', path, options)
/** `AVG(path)` as a float; null over no rows. */
export const Avg = <const P extends string>(path: P, options?: AggregateOptions) =>
  new Aggregate<number | null, P>('Avg', path, options)
/** `MIN(path)`, typed as the field; null over no rows. */
export const Min = <const P extends string>(path: P, options?: AggregateOptions) =>
  new Aggregate<'minmax', P>('Min', path, options)
/** `MAX(path)`, typed as the field; null over no rows. */
export const Max = <const P extends string>(path: P, options?: AggregateOptions) =>
  new Aggregate<'minmax', P>('Max', path, options)

export { Aggregate, FieldRef, QNode }
