// An author: counts by annotate (one GROUP BY with the author row), published posts by a custom Prefetch, and a
// sidebar of the most prolific authors.
import { html } from 'hono/html'
import { Count, Prefetch } from '../../../src/index.ts'
import { layout, shortDate } from '../layout.ts'
import type { BlogDb } from '../schema.ts'

export async function authorPage(db: BlogDb, id: number) {
  const author = await db.Author.annotate({
    postCount: Count('posts'),
    publishedCount: Count('posts', { filter: { published: true } }),
  })
    .prefetchRelated(
      Prefetch(
        'posts',
        db.Post.filter({ published: true }).orderBy('-createdAt', '-id').only('id', 'title', 'createdAt', 'author'),
        {
          to: 'publishedPosts',
        },
      ),
    )
    .filter({ id })
    .first()
  if (!author) return undefined
  const top = await topAuthors(db)
  return layout(
    author.name,
    html`<h1>${author.name}</h1>
<p class="meta" id="counts">${author.postCount} posts, ${author.publishedCount} published</p>
<ul class="posts">${author.publishedPosts.map(
      (p) =>
        html`<li><a class="title" href="/posts/${p.id}">${p.title}</a> <span class="meta">${shortDate(p.createdAt)}</span></li>`,
    )}</ul>`,
    [
      {
        title: 'Most prolific authors',
        body: html`<ol id="top-authors">${top.map((a) => html`<li><a href="/authors/${a.id}">${a.name}</a> (${a.n})</li>`)}</ol>`,
      },
    ],
  )
}

/** The five authors with the most posts (a GROUP BY over every post: worth caching). */
export function topAuthors(db: BlogDb) {
  // The query cache: kept five minutes, dropped as soon as an author or a post is written.
  return db.Author.annotate({ n: Count('posts') })
    .orderBy('-n', 'id')
    .values('id', 'name', 'n')
    .limit(5)
    .cache({ ttl: 300 })
}
