// One list item of a post, shared by the feed, tag and search pages.
import { html } from 'hono/html'
import { shortDate } from '../layout.ts'

export interface ListedPost {
  id: number
  title: string
  createdAt: Date
  author: { id: number; name: string }
}

/** The feed passes the prefetched tags; the other lists do not load them (a lazy load per post would be N+1). */
type TagsOf<P> = (p: P) => readonly { name: string }[]

export const postItem = <P extends ListedPost>(p: P, tagsOf?: TagsOf<P>) =>
  html`<li><a class="title" href="/posts/${p.id}">${p.title}</a>
<div class="meta">by <a href="/authors/${p.author.id}">${p.author.name}</a> · ${shortDate(p.createdAt)}
${(tagsOf?.(p) ?? []).map((t) => html` <a class="tag" href="/tags/${t.name}">${t.name}</a>`)}</div></li>`

export const postList = <P extends ListedPost>(posts: readonly P[], tagsOf?: TagsOf<P>) =>
  posts.length === 0 ? html`<p>No posts.</p>` : html`<ul class="posts">${posts.map((p) => postItem(p, tagsOf))}</ul>`
