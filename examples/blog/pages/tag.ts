// A tag: numbered pages (offset pagination), posts with their author joined.
import { html } from 'hono/html'
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
  const count = await posts.count()
  const numPages = Math.max(1, Math.ceil(count / TAG_PER_PAGE))
  const n = Math.min(Math.max(1, Number.parseInt(pageParam ?? '1', 10) || 1), numPages)
  const items = await posts.slice((n - 1) * TAG_PER_PAGE, n * TAG_PER_PAGE)
  return layout(
    `Tag ${tag.name}`,
    html`<h1>Posts tagged <span class="tag">${tag.name}</span></h1><p class="meta">${count} posts</p>${postList(items)}
<nav class="pager">${Array.from({ length: numPages }, (_, i) => i + 1)
      .filter((i) => i <= 2 || i > numPages - 2 || Math.abs(i - n) <= 2)
      .map((i) =>
        i === n ? html`<span class="current">${i}</span>` : html`<a href="/tags/${tag.name}?page=${i}">${i}</a>`,
      )}</nav>`,
  )
}
