import diagnostics from 'node:diagnostics_channel'

/**
 * One eager-loaded relation path of one result: `Post.selectRelated('author')` fetched 20 posts, so the authors of
 * those 20 posts are one `EagerLoad`. The model layer sets `used` when any instance of the result reads the relation
 * (its accessor, or `toJSON`), so a path read for a single row of the result counts as used.
 */
export interface EagerLoad {
  readonly kind: 'selectRelated' | 'prefetchRelated'
  /** The model of the query that asked for the path (`Post`). */
  readonly model: string
  /** Dotted path from that query (`author`, `author.profile`, `posts.tags`). */
  readonly path: string
  /** Where the query was built (`src/feed.ts:10`). */
  readonly querySite: string | undefined
  /** Instances whose relation was loaded (the parents of the path's last hop). */
  readonly parents: number
  used: boolean
  readonly database: object
}

/**
 * Published once per eager-loaded path of a result, only while someone subscribes (the profiler). Free otherwise:
 * the query layer checks `hasSubscribers` once per result that selects or prefetches anything.
 */
export const eagerChannel = diagnostics.channel('quarry:eager-load')
