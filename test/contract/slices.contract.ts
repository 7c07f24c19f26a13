// Issue 9, item 8: chaining after a slice never silently changes the window. As in Django, a slice of a slice
// narrows it; filtering, reordering, reversing, updating or deleting a sliced QuerySet is a clear error.
import { beforeAll, expect, it } from 'vitest'
import { StateError } from '../../src/index.ts'
import { describeEachBackend } from '../support/backends.ts'
import { blogSchema } from '../support/blog-schema.ts'

describeEachBackend('slices', (b) => {
  let db: Awaited<ReturnType<typeof b.connect<typeof blogSchema.$models>>>
  beforeAll(async () => {
    db = await b.connect(blogSchema)
    const a = await db.Author.create({ name: 'S' })
    for (let i = 1; i <= 8; i++) await db.Post.create({ title: `t${i}`, views: i, author: a })
  })
  const byViews = () => db.Post.orderBy('views')
  const views = async (qs: PromiseLike<{ views: number }[]>) => (await qs).map((p) => p.views)

  it('a slice of a slice narrows it', async () => {
    expect(await views(byViews().limit(3).limit(5))).toEqual([1, 2, 3])
    expect(await views(byViews().limit(5).limit(3))).toEqual([1, 2, 3])
    expect(await views(byViews().slice(2, 6).slice(1, 10))).toEqual([4, 5, 6])
    expect(await views(byViews().slice(2, 6).limit(2))).toEqual([3, 4])
    expect(await views(byViews().slice(2, 6).offset(3))).toEqual([6])
    expect(await views(byViews().slice(1).slice(0, 2))).toEqual([2, 3])
  })

  it('filtering, reordering or reversing a sliced QuerySet is an error naming the fix', async () => {
    const sliced = byViews().slice(0, 2)
    for (const chain of [
      () => sliced.filter({ views: { gte: 1 } }),
      () => sliced.exclude({ views: 1 }),
      () => sliced.orderBy('-views'),
      () => sliced.reverse(),
    ]) {
      let err: unknown
      try {
        await chain()
      } catch (e) {
        err = e
      }
      expect(err).toBeInstanceOf(StateError)
      expect((err as StateError).code).toBe('QUERY_SLICED')
      expect((err as Error).message).toMatch(/slice/)
    }
    await expect(byViews().slice(0, 3).last()).rejects.toBeInstanceOf(StateError)
    await expect(sliced.get({ views: 1 })).rejects.toBeInstanceOf(StateError)
    await expect(sliced.update({ views: 0 })).rejects.toBeInstanceOf(StateError)
    await expect(sliced.delete()).rejects.toBeInstanceOf(StateError)
    expect(await db.Post.count()).toBe(8)
    expect(await db.Post.filter({ views: 0 }).count()).toBe(0)
  })

  it('reading a sliced QuerySet stays inside the slice', async () => {
    expect((await byViews().slice(0, 3).first())!.views).toBe(1)
    expect((await byViews().slice(2, 5).first())!.views).toBe(3)
    expect(await byViews().slice(1, 3).count()).toBe(2)
    expect(await byViews().slice(7).exists()).toBe(true)
    expect(await byViews().slice(8).exists()).toBe(false)
  })
})
