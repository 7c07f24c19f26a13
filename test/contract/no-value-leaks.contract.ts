// Issue 9, item 11: no bound value reaches an error or a query event, whatever characters it holds. A secret is
// planted in every error path and looked for in util.inspect(err, { depth: 5 }) and in every event.
import { inspect } from 'node:util'
import { beforeAll, expect, it } from 'vitest'
import { DatabaseError, QuarryError, sql } from '../../src/index.ts'
import { captureQueries } from '../../src/testing/index.ts'
import { describeEachBackend } from '../support/backends.ts'
import { blogSchema } from '../support/blog-schema.ts'

const SECRET = 'S3CR3T'
/** Quotes of every kind, so that no pattern on the message can find where the value ends. */
const planted = `jane.doe'${SECRET}"x\`@example.com`

describeEachBackend('values never leak into errors or events', (b) => {
  let db: Awaited<ReturnType<typeof b.connect<typeof blogSchema.$models>>>
  let authorId: number
  beforeAll(async () => {
    db = await b.connect(blogSchema)
    authorId = (await db.Author.create({ name: 'owner', email: planted })).id
    await db.Post.create({ title: 'a post', author: authorId })
  })

  const paths: [string, () => Promise<unknown>][] = [
    ['unique violation (ORM)', () => db.Author.create({ name: 'dup', email: planted })],
    ['unique violation (raw)', () => db.execute(sql`insert into author (name, email) values (${'dup'}, ${planted})`)],
    [
      'not-null violation with the row in the detail (raw)',
      () =>
        db.execute(
          sql`insert into blog_post (title, body, views, published, created_at, author_id) values (${null}, ${planted}, ${0}, ${false}, ${new Date()}, ${authorId})`,
        ),
    ],
    ['integer column given text (raw)', () => db.execute(sql`update blog_post set views = ${planted}`)],
    [
      'invalid input for a cast (raw)',
      () => db.query(sql`select cast(${planted} as ${sql.unsafe(b.vendor === 'mysql' ? 'json' : 'integer')}) as x`),
    ],
    ['datetime column given text (raw)', () => db.execute(sql`update blog_post set created_at = ${planted}`)],
    ['invalid regular expression', () => db.Post.filter({ title: { regex: `(${planted}` } }).count()],
    ['value too long', () => db.Author.create({ name: planted.repeat(20) })],
  ]

  it('no error path carries the value, in the error or its events', async () => {
    const failures: string[] = []
    let errors = 0
    for (const [name, run] of paths) {
      let err: unknown
      const events = await captureQueries(db, async () => {
        err = await run().then(
          () => undefined,
          (e: unknown) => e,
        )
      })
      if (err === undefined) continue // this backend accepts it (SQLite's loose typing): nothing to leak
      errors++
      expect(err, name).toBeInstanceOf(QuarryError)
      if (inspect(err, { depth: 5 }).includes(SECRET)) failures.push(`${name}: error`)
      for (const e of events) {
        const { database: _db, ...plain } = e as unknown as Record<string, unknown>
        if (inspect(plain, { depth: 5 }).includes(SECRET)) failures.push(`${name}: event`)
      }
    }
    expect(failures).toEqual([])
    expect(errors).toBeGreaterThanOrEqual(4)
  })

  it("the driver's own error is reachable only by asking for it", async () => {
    const err = (await db.Author.create({ name: 'dup', email: planted }).catch((e) => e)) as DatabaseError
    expect(err).toBeInstanceOf(DatabaseError)
    expect(err.vendorCode).toBeDefined()
    expect(err.unsafeDriverError()).toBeInstanceOf(Error)
    expect(JSON.stringify(err)).not.toContain(SECRET)
  })
})
