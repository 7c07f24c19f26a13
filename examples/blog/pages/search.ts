// Search: icontains on the title, author joined, only the columns the list shows, bounded by a LIMIT.
import { html } from 'hono/html'
import { layout } from '../layout.ts'
import type { BlogDb } from '../schema.ts'
import { postList } from './post-list.ts'

export const SEARCH_LIMIT = 50

export async function searchPage(db: BlogDb, q: string) {
  const term = q.trim()
  const posts = term
    ? await db.Post.filter({ published: true, title: { icontains: term } })
        .selectRelated('author')
        .only('id', 'title', 'createdAt', 'author.id', 'author.name')
        .orderBy('-createdAt', '-id')
        .limit(SEARCH_LIMIT)
    : []
  return layout(
    term ? `Search: ${term}` : 'Search',
    html`<h1>Search</h1><form action="/search" method="get"><input name="q" value="${term}" aria-label="Search titles">
<button>Search</button></form>
${term ? html`<p class="meta" id="result-count">${posts.length === SEARCH_LIMIT ? `the newest ${SEARCH_LIMIT}` : posts.length} posts with “${term}” in the title</p>${postList(posts)}` : ''}`,
  )
}
