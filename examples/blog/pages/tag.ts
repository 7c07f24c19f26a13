// A tag: numbered pages (offset pagination with Django's Paginator and its elided page range), posts with their
// author joined.
import { html } from 'hono/html'
import { ELLIPSIS, Paginator } from '../../../src/index.ts'
import { layout } from '../layout.ts'
import type { BlogDb } from '../schema.ts'
import { postList } from './post-list.ts'

export const TAG_PER_PAGE = 20

export async function tagPage(db: BlogDb, name: string, pageParam: string | undefined) {
  const tag = await db.Tag.filter({ name }).first()
  if (!tag) return undefined
  const posts = db.Post.filter({ published: true, tags: { id: tag.id } })
    .orderBy('-createdAt', '-id')
    .selectRelated('author')
    .only('id', 'title', 'createdAt', 'author.id', 'author.name')
  const paginator = new Paginator(posts, { perPage: TAG_PER_PAGE })
  const page = await paginator.getPage(pageParam ?? 1) // tolerant: 'abc' → 1, past the end → the last page
  const count = await paginator.count()
  return layout(
    `Tag ${tag.name}`,
    html`<h1>Posts tagged <span class="tag">${tag.name}</span></h1><p class="meta">${count} posts</p>${postList(page.items)}
<nav class="pager">${paginator
      .elidedPageRange(page.number, { onEachSide: 2, onEnds: 1 })
      .map((i) =>
        i === ELLIPSIS
          ? html`<span class="gap">…</span>`
          : i === page.number
            ? html`<span class="current">${i}</span>`
            : html`<a href="/tags/${tag.name}?page=${i}">${i}</a>`,
      )}</nav>`,
  )
}
