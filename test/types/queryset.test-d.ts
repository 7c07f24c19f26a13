// Type tests: checked by `tsc` (npm run typecheck), never executed.
import { expectTypeOf } from 'vitest'
import { Count, type Db, defineSchema, F, f, Max, model, Q, Sum } from '../../src/index.ts'
import type { blogSchema } from '../support/blog-schema.ts'

declare const db: Db<typeof blogSchema.$models>

export async function instances() {
  const post = await db.Post.get({ id: 1 })
  expectTypeOf(post.id).toEqualTypeOf<number>()
  expectTypeOf(post.title).toEqualTypeOf<string>()
  expectTypeOf(post.views).toEqualTypeOf<number>()
  expectTypeOf(post.published).toEqualTypeOf<boolean>()
  expectTypeOf(post.createdAt).toEqualTypeOf<Date>()
  expectTypeOf(post.authorId).toEqualTypeOf<number>()
  expectTypeOf(post.author.id).toEqualTypeOf<number>()
  const author = await db.Author.get({ name: 'x' })
  expectTypeOf(author.email).toEqualTypeOf<string | null>()
  expectTypeOf(await db.Post.filter({ title: 'x' }).first()).toMatchTypeOf<{ title: string } | null>()
  expectTypeOf(await db.Post.all()).toMatchTypeOf<{ title: string }[]>()
  expectTypeOf(await db.Post.count()).toEqualTypeOf<number>()
  expectTypeOf(await db.Post.exists()).toEqualTypeOf<boolean>()
}

export async function values() {
  const rows = await db.Post.values('id', 'title', 'author.name', 'authorId')
  expectTypeOf(rows).toEqualTypeOf<{ id: number; title: string; 'author.name': string; authorId: number }[]>()
  const titles = await db.Post.valuesList('title', { flat: true })
  expectTypeOf(titles).toEqualTypeOf<string[]>()
  const pairs = await db.Post.valuesList('title', 'views')
  expectTypeOf(pairs).toEqualTypeOf<[string, number][]>()
  const emails = await db.Author.valuesList('email', { flat: true })
  expectTypeOf(emails).toEqualTypeOf<(string | null)[]>()
}

export async function annotations() {
  const authors = await db.Author.annotate({ postCount: Count('posts'), total: Sum('posts.views') })
  expectTypeOf(authors[0]!.postCount).toEqualTypeOf<number>()
  expectTypeOf(authors[0]!.total).toEqualTypeOf<number | null>()
  await db.Author.annotate({ postCount: Count('posts') })
    .filter({ postCount: { gte: 2 } })
    .orderBy('-postCount')
  const agg = await db.Post.aggregate({ total: Sum('views'), newest: Max('createdAt') })
  expectTypeOf(agg).toEqualTypeOf<{ total: number | null; newest: Date | null }>()
  const grouped = await db.Post.values('author').annotate({ n: Count('id') })
  expectTypeOf(grouped).toEqualTypeOf<({ author: number } & { n: number })[]>()
}

export async function filters() {
  db.Post.filter({ title: { icontains: 'orm' }, views: { gte: 10, lt: 100 } })
  db.Post.filter({ author: { name: 'Bharat' } }, { author: 5 })
  db.Post.filter(Q.or({ views: { gt: F('id') } }, Q.not({ published: true })))
  db.Author.filter({ posts: { title: { icontains: 'orm' } } })
  db.Post.filter({ tags: { name: 'orm' } })
  db.Author.filter({ email: null })
  // @ts-expect-error: unknown field
  db.Post.filter({ titel: 'x' })
  // @ts-expect-error: unknown lookup
  db.Post.filter({ views: { gtt: 1 } })
  // @ts-expect-error: wrong value type
  db.Post.filter({ views: 'many' })
  // @ts-expect-error: icontains only on strings
  db.Post.filter({ views: { icontains: '1' } })
  // @ts-expect-error: unknown field across a relation
  db.Post.filter({ author: { nmae: 'x' } })
  // @ts-expect-error: not a field path
  db.Post.orderBy('-titel')
  // @ts-expect-error: not a field path
  db.Post.values('nope')
}

export async function writes() {
  const a = await db.Author.create({ name: 'x' })
  await db.Post.create({ title: 't', author: a })
  await db.Post.create({ title: 't', authorId: a.id })
  // @ts-expect-error: title is required
  await db.Post.create({ author: a })
  // @ts-expect-error: the author is required
  await db.Post.create({ title: 't' })
  // @ts-expect-error: views is a number
  await db.Post.create({ title: 't', author: a, views: 'x' })
  await db.Post.filter({ author: a }).update({ views: F('views').add(1) })
  // @ts-expect-error: unknown field in update
  await db.Post.update({ nope: 1 })
  const p = await db.Post.get({ id: 1 })
  await p.save({ updateFields: ['title'] })
  // @ts-expect-error: unknown updateFields entry
  await p.save({ updateFields: ['titel'] })
}

export function fieldKinds() {
  const M = model('M', {
    big: f.bigint(),
    price: f.decimal({ maxDigits: 5, decimalPlaces: 2 }),
    meta: f.json<{ a: number }>({ null: true }),
    status: f.enum(['draft', 'published']),
    day: f.date({ null: true }),
    id: f.uuid({ primaryKey: true }),
  })
  const s = defineSchema({ M })
  type Row = Awaited<ReturnType<Db<typeof s.$models>['M']['get']>>
  expectTypeOf<Row['big']>().toEqualTypeOf<bigint>()
  expectTypeOf<Row['price']>().toEqualTypeOf<string>()
  expectTypeOf<Row['meta']>().toEqualTypeOf<{ a: number } | null>()
  expectTypeOf<Row['status']>().toEqualTypeOf<'draft' | 'published'>()
  expectTypeOf<Row['day']>().toEqualTypeOf<string | null>()
  expectTypeOf<Row['id']>().toEqualTypeOf<string>()
  expectTypeOf<Row['pk']>().toEqualTypeOf<string>()
}

// Issue 8: the forms Django accepts that quarry refused.
export async function issue8Filters() {
  // iexact: null means IS NULL, on nullable fields only.
  db.Author.filter({ email: { iexact: null } })
  db.Post.filter({ author: { email: { iexact: null } } })
  // @ts-expect-error: name is not nullable
  db.Author.filter({ name: { iexact: null } })
  // in: a QuerySet of the related model (its primary keys) or a flat valuesList of ids.
  const adas = db.Author.filter({ name: { startswith: 'A' } })
  db.Post.filter({ author: { in: adas } })
  db.Post.filter({ author: { in: adas.valuesList('id', { flat: true }) } })
  db.Post.filter({ authorId: { in: adas.valuesList('id', { flat: true }) } })
  db.Post.filter({ pk: { in: db.Post.orderBy('-views').limit(2) } })
  db.Author.filter({ posts: { in: db.Post.filter({ published: true }) } })
  db.Post.filter({ tags: { in: db.Tag.filter({ name: 'orm' }) } })
  db.Post.filter({ title: { in: db.Tag.valuesList('name', { flat: true }) } })
  db.Author.filter({ posts: { isnull: true } })
  // Django's posts=None: authors without posts.
  db.Author.filter({ posts: null })
  db.Post.filter({ tags: null })
  // @ts-expect-error: a QuerySet of another model
  db.Post.filter({ author: { in: db.Tag.all() } })
  // @ts-expect-error: a flat valuesList of strings where ids are compared
  db.Post.filter({ author: { in: adas.valuesList('name', { flat: true }) } })
  // @ts-expect-error: valuesList of several columns is not one value per row
  db.Post.filter({ authorId: { in: adas.valuesList('id', 'name') } })
}
