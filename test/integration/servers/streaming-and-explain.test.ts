import { beforeAll, expect, it } from 'vitest'
import { describeEachBackend } from '../../support/backends.ts'
import { blogSchema } from '../../support/blog-schema.ts'

describeEachBackend('streaming and explain', (b) => {
  let db: Awaited<ReturnType<typeof b.connect<typeof blogSchema.$models>>>
  beforeAll(async () => {
    db = await b.connect(blogSchema)
    const a = await db.Author.create({ name: 'S' })
    await db.atomic(async () => {
      for (let i = 0; i < 250; i++) await db.Post.create({ title: `p${i}`, views: i, author: a })
    })
  })

  it('iterator() streams every row in chunks', async () => {
    let n = 0
    let sum = 0
    for await (const p of db.Post.orderBy('views').iterator({ chunkSize: 64 })) {
      n++
      sum += p.views
    }
    expect(n).toBe(250)
    expect(sum).toBe((249 * 250) / 2)
  })

  it('iterator() inside a transaction allows queries between chunks and can stop early', async () => {
    const seen = await db.atomic(async () => {
      const titles: string[] = []
      for await (const p of db.Post.orderBy('views').iterator({ chunkSize: 10 })) {
        titles.push(p.title)
        expect(await db.Author.count()).toBe(1) // another statement on the same connection
        if (titles.length === 25) break
      }
      return titles
    })
    expect(seen).toHaveLength(25)
    // The transaction and its connection are healthy after the early exit.
    expect(await db.Post.filter({ views: { gte: 240 } }).count()).toBe(10)
  })

  it('explain() returns the plan as text, with analyze where supported', async () => {
    const qs = db.Post.filter({ views: { gt: 100 } }).orderBy('-views')
    expect(await qs.explain()).toMatch(/\S/)
    const backend = db.executor.backend('default')
    if (backend.features.supportsExplainAnalyze) expect(await qs.explain({ analyze: true })).toMatch(/\S/)
  })
})
