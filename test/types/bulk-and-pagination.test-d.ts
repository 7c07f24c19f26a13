// Type tests: checked by `tsc` (npm run typecheck), never executed.
import { expectTypeOf } from 'vitest'
import { type Db, type KeysetPage, type Page, Paginator } from '../../src/index.ts'
import type { blogSchema } from '../support/blog-schema.ts'

declare const db: Db<typeof blogSchema.$models>

export async function bulk() {
  const author = await db.Author.get({ id: 1 })
  const posts = await db.Post.bulkCreate([
    { title: 'a', author },
    { title: 'b', authorId: 1, views: 3 },
  ])
  expectTypeOf(posts[0]!.id).toEqualTypeOf<number>()
  // @ts-expect-error: title is required
  await db.Post.bulkCreate([{ author }])
  // @ts-expect-error: not a field of Post
  await db.Post.bulkCreate([{ title: 'a', author, nope: 1 }])
  expectTypeOf(await db.Post.bulkUpdate(posts, ['title', 'views'])).toEqualTypeOf<number>()
  // @ts-expect-error: not a field of Post
  await db.Post.bulkUpdate(posts, ['titel'])
  // @ts-expect-error: a Post list cannot update Authors
  await db.Author.bulkUpdate(posts, ['name'])
  const [tag, created] = await db.Tag.getOrCreate({ name: 'orm' })
  expectTypeOf(tag.name).toEqualTypeOf<string>()
  expectTypeOf(created).toEqualTypeOf<boolean>()
  const [again] = await db.Author.updateOrCreate({ email: 'a@b.c' }, { defaults: { name: 'A' } })
  expectTypeOf(again.name).toEqualTypeOf<string>()
}

export async function pagination() {
  const page = await db.Post.orderBy('-createdAt').paginate({ first: 25 })
  expectTypeOf(page).toMatchTypeOf<KeysetPage<{ title: string }>>()
  expectTypeOf(page.endCursor).toEqualTypeOf<string | null>()
  const withAuthor = await db.Post.selectRelated('author').orderBy('-createdAt').paginate({ first: 5 })
  expectTypeOf(withAuthor.items[0]!.author.name).toEqualTypeOf<string>()
  const paginator = new Paginator(db.Post.orderBy('-createdAt', '-id'), { perPage: 25 })
  const p = await paginator.page(3)
  expectTypeOf(p).toMatchTypeOf<Page<{ title: string }>>()
  expectTypeOf(p.items[0]!.title).toEqualTypeOf<string>()
  expectTypeOf(paginator.elidedPageRange(3)).toEqualTypeOf<(number | '…')[]>()
}
