// PostgreSQL prints timestamps in the session's time zone; quarry reads them by hand in the common shape (a fast path
// instead of V8's legacy date parser) and carefully otherwise. Every zone, fraction and era reads the same instant.
import { beforeAll, expect, it } from 'vitest'
import { createCache } from '../../../src/cache/create-cache.ts'
import { sql } from '../../../src/index.ts'
import { assertNumQueries } from '../../../src/testing/index.ts'
import { describeEachBackend } from '../../support/backends.ts'
import { blogSchema } from '../../support/blog-schema.ts'

describeEachBackend('PostgreSQL timestamps in any session time zone', (b) => {
  if (b.vendor !== 'postgres') return it.skip('PostgreSQL only')
  let db: Awaited<ReturnType<typeof b.connect<typeof blogSchema.$models>>>
  beforeAll(async () => {
    db = await b.connect(blogSchema, { cache: createCache('memory://') })
  })

  const read = async (zone: string, expr: string) => {
    const lease = await db.executor.backend('default').acquire()
    try {
      await lease.conn.exec(`SET TIME ZONE '${zone}'`)
      const [[text, value]] = (await lease.conn.rows(`select (${expr})::text, ${expr}`, [])) as [[string, unknown]]
      await lease.conn.exec('RESET TIME ZONE')
      return { text, value }
    } finally {
      lease.release()
    }
  }
  const iso = (v: unknown) => (v instanceof Date ? v.toISOString() : v)

  it('timestamptz: whole-hour, half-hour, quarter-hour, negative and seconds offsets', async () => {
    const cases: [zone: string, literal: string, instant: string, printed: RegExp][] = [
      ['UTC', '2024-01-10 12:34:56.789123+00', '2024-01-10T12:34:56.789Z', /\+00$/],
      ['Asia/Kolkata', '2024-01-10 12:34:56.5+00', '2024-01-10T12:34:56.500Z', /\+05:30$/],
      ['Asia/Kathmandu', '2024-01-10 00:10:00+00', '2024-01-10T00:10:00.000Z', /\+05:45$/],
      ['America/St_Johns', '2024-01-10 01:00:00.25+00', '2024-01-10T01:00:00.250Z', /-03:30$/],
      ['America/Los_Angeles', '2024-12-31 23:59:59.9999+00', '2024-12-31T23:59:59.999Z', /-08$/],
      // Local mean time before 1909: an offset with seconds (+00:19:32).
      ['Europe/Amsterdam', '1900-06-01 12:00:00+00', '1900-06-01T12:00:00.000Z', /\+00:19:32$/],
      ['Pacific/Kiritimati', '2024-02-29 13:00:00+00', '2024-02-29T13:00:00.000Z', /\+14$/],
    ]
    for (const [zone, literal, instant, printed] of cases) {
      const { text, value } = await read(zone, `'${literal}'::timestamptz`)
      expect(text, zone).toMatch(printed)
      expect(iso(value), `${zone}: ${text}`).toBe(instant)
    }
  })

  it('timestamp without time zone is read as UTC whatever the session zone', async () => {
    const { value } = await read('Asia/Kolkata', `'2024-03-10 12:34:56.789'::timestamp`)
    expect(iso(value)).toBe('2024-03-10T12:34:56.789Z')
    expect(iso((await read('UTC', `'2024-03-10 00:00:00'::timestamp`)).value)).toBe('2024-03-10T00:00:00.000Z')
  })

  it('years before 1000, years BC and infinity take the careful path', async () => {
    expect(iso((await read('UTC', `'0999-01-02 03:04:05+00'::timestamptz`)).value)).toBe('0999-01-02T03:04:05.000Z')
    expect(iso((await read('Asia/Kolkata', `'0099-12-31 23:00:00+00'::timestamptz`)).value)).toBe(
      '0099-12-31T23:00:00.000Z',
    )
    expect(iso((await read('UTC', `'0044-03-15 12:00:00 BC'::timestamp`)).value)).toBe('-000043-03-15T12:00:00.000Z')
    expect((await read('UTC', `'infinity'::timestamptz`)).value).toBe(Number.POSITIVE_INFINITY)
    expect((await read('UTC', `'-infinity'::timestamp`)).value).toBe(Number.NEGATIVE_INFINITY)
  })

  it('a datetime field reads its Date (from the database or the query cache) and passes infinity through', async () => {
    const a = await db.Author.create({ name: 'T' })
    const p = await db.Post.create({ title: 'inf', author: a, createdAt: new Date('2024-05-06T07:08:09.010Z') })
    const read = async () => (await db.Post.filter({ id: p.id }).cache({ ttl: 60 }))[0]!.createdAt
    expect((await assertNumQueries(db, 1, read)).toISOString()).toBe('2024-05-06T07:08:09.010Z')
    // A hit: a new Date made from the epoch the cache kept.
    const [first, second] = [await assertNumQueries(db, 0, read), await assertNumQueries(db, 0, read)]
    expect(first.toISOString()).toBe('2024-05-06T07:08:09.010Z')
    expect(second).not.toBe(first)
    await db.execute(sql`update blog_post set created_at = 'infinity' where id = ${p.id}`)
    expect((await db.Post.get({ id: p.id })).createdAt as unknown).toBe(Number.POSITIVE_INFINITY)
  })
})
