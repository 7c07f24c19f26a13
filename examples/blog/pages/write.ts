// Writing a post: the form is validated with a zod schema, then the post is created and its tags attached
// (bulkCreate with ignoreConflicts for the new names, one add for all).
import { html } from 'hono/html'
import { z } from 'zod'
import { layout } from '../layout.ts'
import type { BlogDb } from '../schema.ts'

export const PostForm = z.object({
  title: z.string().trim().min(3, 'Title: at least 3 characters').max(200, 'Title: at most 200 characters'),
  body: z.string().trim().min(1, 'Body: write something').max(20_000, 'Body: at most 20,000 characters'),
  author: z.coerce.number().int().positive('Author: choose one'),
  tags: z
    .string()
    .default('')
    .transform((s) => [
      ...new Set(
        s
          .split(',')
          .map((t) => t.trim().toLowerCase())
          .filter(Boolean),
      ),
    ])
    .pipe(z.array(z.string().regex(/^[a-z0-9-]{1,50}$/, 'Tags: letters, digits and dashes')).max(5, 'Tags: at most 5')),
})

export type PostInput = z.infer<typeof PostForm>

export async function writePage(db: BlogDb, errors: string[] = [], values: Record<string, string> = {}) {
  const authors = await db.Author.orderBy('id').values('id', 'name').limit(50)
  return layout(
    'Write a post',
    html`<h1>Write a post</h1>
${errors.length ? html`<div class="errors" role="alert"><ul>${errors.map((e) => html`<li>${e}</li>`)}</ul></div>` : ''}
<form class="write" method="post" action="/write">
<label for="title">Title</label><input id="title" name="title" value="${values.title ?? ''}">
<label for="author">Author</label><select id="author" name="author">${authors.map(
      (a) =>
        html`<option value="${a.id}" ${String(a.id) === values.author ? 'selected' : ''}>${a.name} (#${a.id})</option>`,
    )}</select>
<label for="tags">Tags (comma separated)</label><input id="tags" name="tags" value="${values.tags ?? ''}">
<label for="body">Body</label><textarea id="body" name="body" rows="8">${values.body ?? ''}</textarea>
<p><button type="submit">Publish</button></p></form>`,
  )
}

/** Create the post and attach its tags, in one transaction. Returns the new post's id. */
export async function publish(db: BlogDb, input: PostInput): Promise<number> {
  return db.atomic(async () => {
    const post = await db.Post.create({ title: input.title, body: input.body, author: input.author, published: true })
    if (input.tags.length > 0) {
      // New tag names in one INSERT that skips the existing ones, then all of them read back for their ids.
      await db.Tag.bulkCreate(
        input.tags.map((name) => ({ name })),
        { ignoreConflicts: true },
      )
      await post.tags.add(...(await db.Tag.filter({ name: { in: input.tags } })))
    }
    return post.id
  })
}
