// Issue 9, item 9: selectForUpdate() runs on every backend. Where the database has row locks it emits FOR UPDATE;
// SQLite has none (its write lock already serialises writers) and, as in Django, the clause is left out.
import { beforeAll, expect, it } from 'vitest'
import { captureQueries } from '../../src/testing/index.ts'
import { describeEachBackend } from '../support/backends.ts'
import { blogSchema } from '../support/blog-schema.ts'

describeEachBackend('selectForUpdate', (b) => {
  let db: Awaited<ReturnType<typeof b.connect<typeof blogSchema.$models>>>
  beforeAll(async () => {
    db = await b.connect(blogSchema)
    await db.Author.create({ name: 'lock me' })
  })

  it('locks where the database can and is ignored where it cannot, with the same rows', async () => {
    const locks = db.executor.backend('default').features.supportsSelectForUpdate
    const events = await captureQueries(db, () =>
      db.atomic(async () => {
        const [author] = await db.Author.filter({ name: 'lock me' }).selectForUpdate()
        author!.name = 'locked'
        await author!.save()
        expect(await db.Author.selectForUpdate({ skipLocked: true }).count()).toBe(1)
        expect((await db.Author.selectForUpdate({ noWait: true }).get({ name: 'locked' })).name).toBe('locked')
      }),
    )
    const selects = events.filter((e) => e.kind === 'select')
    expect(selects.length).toBeGreaterThanOrEqual(2)
    for (const e of selects.filter((s) => !/COUNT/.test(s.sql))) expect(e.sql.includes(' FOR UPDATE')).toBe(locks)
    expect(await db.Author.filter({ name: 'locked' }).count()).toBe(1)
  })
})
