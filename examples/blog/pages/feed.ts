// The feed: published posts newest first in keyset pages (the same cost on page 2 and page 5,000), author joined
// (selectRelated), tags prefetched (one query for the page), only the columns the list shows (no 1 KB bodies).
import { html } from 'hono/html'
import type { BaseCache } from '../../../src/cache/index.ts'
import { Max } from '../../../src/index.ts'
import { layout } from '../layout.ts'
import type { BlogDb } from '../schema.ts'
import { postList } from './post-list.ts'

export const PER_PAGE = 20

export interface FeedCursor {
  after?: string | undefined
  before?: string | undefined
}

/** A page of the feed; a tampered cursor throws `InvalidCursor`. */
export async function feedPage(db: BlogDb, cache: BaseCache, cursor: FeedCursor) {
  const page = await db.Post.filter({ published: true })
    .orderBy('-createdAt', '-id')
    .selectRelated('author')
    .only('id', 'title', 'createdAt', 'author.id', 'author.name')
    .prefetchRelated('tags')
    .paginate(cursor.before ? { last: PER_PAGE, before: cursor.before } : { first: PER_PAGE, after: cursor.after })
  const items = page.items
  // A computed box: the function cache keeps it five minutes whatever is written (it need not be exact).
  const popular = await cache.getOrSet('popular-this-week', () => popularThisWeek(db), { ttl: 300 })
  return layout(
    'Feed',
    html`<h1>Latest posts</h1>${postList(items, tagsOf)}
<nav class="pager">${page.hasPreviousPage && page.startCursor ? html`<a rel="prev" href="/?before=${encodeURIComponent(page.startCursor)}">← Newer</a>` : ''}
${page.hasNextPage && page.endCursor ? html`<a rel="next" href="/?after=${encodeURIComponent(page.endCursor)}">Older →</a>` : ''}</nav>`,
    [
      {
        title: 'Popular this week',
        body: html`<ol id="popular">${popular.map((p) => html`<li><a href="/posts/${p.id}">${p.title}</a> <span class="meta">${p.views.toLocaleString('en-US')} views</span></li>`)}</ol>`,
      },
    ],
  )
}

// The prefetched tags are complete Tag rows, but only()'s instance type drops `name` from them too (it narrows
// the prefetched model by the post's field list), so the list reads them through this plain type.
const tagsOf = (p: { tags: unknown }) => p.tags as readonly { name: string }[]

const WEEK_MS = 7 * 24 * 3600 * 1000

/** The most viewed posts of the last seven days of the blog (the seeded data is historical, so "now" is the newest post). */
export async function popularThisWeek(db: BlogDb) {
  const { latest } = await db.Post.aggregate({ latest: Max('createdAt') })
  if (!latest) return []
  const since = new Date(new Date(latest as Date | string).getTime() - WEEK_MS)
  return db.Post.filter({ published: true, createdAt: { gte: since } })
    .orderBy('-views', 'id')
    .values('id', 'title', 'views')
    .limit(5)
}
