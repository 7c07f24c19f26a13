// Type tests for relations and loading: checked by `tsc` (npm run typecheck), never executed.
import { expectTypeOf } from 'vitest'
import { type Db, Prefetch, prefetchRelatedObjects, type RelatedManager } from '../../src/index.ts'
import type { blogSchema } from '../support/blog-schema.ts'

type Blog = typeof blogSchema.$models
declare const db: Db<Blog>

export async function naiveLoopsDoNotCompile() {
  for (const post of await db.Post.all()) {
    // @ts-expect-error: author was not selected: it is an awaitable reference, without a name
    post.author.name
    expectTypeOf(post.author.id).toEqualTypeOf<number>()
    expectTypeOf((await post.author).name).toEqualTypeOf<string>()
  }
  for (const author of await db.Author.all()) {
    // @ts-expect-error: posts was not prefetched: a related manager is not iterable
    for (const p of author.posts) p.title
    expectTypeOf(author.posts).toEqualTypeOf<RelatedManager<Blog, 'Post'>>()
    expectTypeOf(await author.posts).toMatchTypeOf<{ title: string }[]>()
    for await (const p of author.posts) expectTypeOf(p.title).toEqualTypeOf<string>()
  }
}

export async function fixedLoopsCompile() {
  for (const post of await db.Post.selectRelated('author')) expectTypeOf(post.author.name).toEqualTypeOf<string>()
  for (const post of await db.Post.prefetchRelated('author')) expectTypeOf(post.author.name).toEqualTypeOf<string>()
  for (const author of await db.Author.prefetchRelated('posts'))
    for (const post of author.posts) {
      expectTypeOf(post.title).toEqualTypeOf<string>()
      // @ts-expect-error: only posts was prefetched, not their tags
      for (const t of post.tags) t.name
    }
  for (const author of await db.Author.prefetchRelated('posts.tags', 'profile'))
    for (const post of author.posts) {
      for (const tag of post.tags) expectTypeOf(tag.name).toEqualTypeOf<string>()
      expectTypeOf(author.profile?.bio).toEqualTypeOf<string | undefined>()
    }
  const [profile] = await db.Profile.selectRelated('user')
  expectTypeOf(profile!.user.name).toEqualTypeOf<string>()
  // @ts-expect-error: selectRelated follows forward keys only
  db.Author.selectRelated('posts')
  // @ts-expect-error: not a relation path
  db.Author.prefetchRelated('name')
}

export async function prefetchObjects() {
  const byTo = await db.Author.prefetchRelated(
    Prefetch('posts', db.Post.filter({ published: true }).selectRelated('author'), { to: 'publishedPosts' }),
  )
  expectTypeOf(byTo[0]!.publishedPosts[0]!.author.name).toEqualTypeOf<string>()
  // @ts-expect-error: with `to`, the relation itself stays unloaded
  for (const p of byTo[0]!.posts) p.title
  const nested = await db.Author.prefetchRelated(Prefetch('posts', db.Post.prefetchRelated('tags')))
  expectTypeOf(nested[0]!.posts[0]!.tags[0]!.name).toEqualTypeOf<string>()
  const posts = await db.Post.all()
  const withAuthors = await prefetchRelatedObjects(posts, 'author', 'tags')
  expectTypeOf(withAuthors[0]!.author.name).toEqualTypeOf<string>()
  expectTypeOf(withAuthors[0]!.tags[0]!.name).toEqualTypeOf<string>()
}

export async function onlyAndDefer() {
  const [p] = await db.Post.only('title')
  expectTypeOf(p!.title).toEqualTypeOf<string>()
  expectTypeOf(p!.id).toEqualTypeOf<number>()
  // @ts-expect-error: not loaded by only()
  p!.body
  // @ts-expect-error: the foreign key is not loaded either
  p!.authorId
  const [d] = await db.Post.defer('body')
  expectTypeOf(d!.views).toEqualTypeOf<number>()
  // @ts-expect-error: deferred
  d!.body
  const [j] = await db.Post.selectRelated('author').only('title', 'author.name')
  expectTypeOf(j!.author.name).toEqualTypeOf<string>()
  // @ts-expect-error: only author.name was loaded
  j!.author.email
  const [k] = await db.Post.defer('author.email').selectRelated('author')
  expectTypeOf(k!.author.name).toEqualTypeOf<string>()
  // @ts-expect-error: deferred across the join
  k!.author.email
}

export async function managers() {
  const post = await db.Post.get({ id: 1 })
  const tag = await db.Tag.get({ id: 1 })
  await post.tags.add(tag, 2)
  await post.tags.remove(tag)
  await post.tags.set([1, 2])
  await post.tags.clear()
  expectTypeOf(await post.tags.count()).toEqualTypeOf<number>()
  expectTypeOf(await tag.posts.filter({ published: true })).toMatchTypeOf<{ title: string }[]>()
  // @ts-expect-error: a Tag, not an Author
  await post.tags.add(await db.Author.get({ id: 1 }))
  const author = await db.Author.get({ id: 1 })
  const made = await author.posts.create({ title: 'New' })
  expectTypeOf(made.title).toEqualTypeOf<string>()
}
