// A post: the post and its author in one JOIN (selectRelated), its tags in one more query (prefetchRelated).
import { html } from 'hono/html'
import { layout, shortDate } from '../layout.ts'
import type { BlogDb } from '../schema.ts'

export async function postPage(db: BlogDb, id: number) {
  const post = await db.Post.selectRelated('author').prefetchRelated('tags').filter({ id }).first()
  if (!post) return undefined
  return layout(
    post.title,
    html`<article><h1>${post.title}</h1>
<p class="meta">by <a href="/authors/${post.author.id}">${post.author.name}</a> · ${shortDate(post.createdAt)} ·
${post.views.toLocaleString('en-US')} views ${post.tags.map((t) => html` <a class="tag" href="/tags/${t.name}">${t.name}</a>`)}</p>
<div class="body">${post.body}</div></article>`,
  )
}
