// Issue 14: simple lookups (`{ title: { icontains } }`, `{ views: { gte } }`, …) take the fast shape key, as
// equality filters do: the query's AST and shape key are not rebuilt for each page of W5. The suite runs with
// QUARRY_CHECK_SHAPES=1, so every fast-key hit below is also built in full and must prepare the same statement
// with the same values (a disagreement throws SHAPE_COLLISION); the answers are checked against the rows.
import { beforeAll, expect, it } from 'vitest'
import { fastSelectShape } from '../../src/sql/resolve/fast-shape.ts'
import { describeEachBackend } from '../support/backends.ts'
import { blogSchema } from '../support/blog-schema.ts'

describeEachBackend('fast shape keys for simple lookups', (b) => {
  let db: Awaited<ReturnType<typeof b.connect<typeof blogSchema.$models>>>
  beforeAll(async () => {
    db = await b.connect(blogSchema, { nPlusOne: 'off' })
    const a = await db.Author.create({ name: 'L' })
    const titles = ['Query planning', 'model fields', 'QUERY cache', 'index 100%', 'under_score', 'plain']
    for (let i = 0; i < titles.length; i++)
      await db.Post.create({ title: titles[i]!, views: i * 10, published: i % 2 === 0, author: a })
  })
  const titles = async (qs: PromiseLike<{ title: string }[]>) => (await qs).map((p) => p.title).sort()

  it('each lookup gives the right rows, every call after the first from the fast key', async () => {
    const cases: [object, string[]][] = [
      [{ title: { icontains: 'query' } }, ['QUERY cache', 'Query planning']],
      [{ title: { icontains: 'CACHE' } }, ['QUERY cache']],
      [{ title: { contains: 'Query' } }, ['Query planning']],
      [{ title: { contains: 'model' } }, ['model fields']],
      // Pattern characters in the value are literal, on the fast path as on the full build.
      [{ title: { contains: '100%' } }, ['index 100%']],
      [{ title: { contains: '_' } }, ['under_score']],
      [{ title: { istartswith: 'q' } }, ['QUERY cache', 'Query planning']],
      [{ title: { iendswith: 'FIELDS' } }, ['model fields']],
      [{ title: { iexact: 'PLAIN' } }, ['plain']],
      [{ views: { gte: 30 } }, ['index 100%', 'plain', 'under_score']],
      [{ views: { gt: 30, lte: 50 } }, ['plain', 'under_score']],
      [{ views: { lt: 10 } }, ['Query planning']],
      [{ published: true, title: { icontains: 'C' } }, ['QUERY cache', 'under_score']],
      [{ published: false, views: { gte: 10 } }, ['index 100%', 'model fields', 'plain']],
    ]
    for (let round = 0; round < 2; round++)
      for (const [filter, want] of cases) {
        const qs = db.Post.filter(filter as never)
          .orderBy('-createdAt')
          .limit(20)
        expect(await titles(qs)).toEqual(want)
        if (round === 1) {
          const key = fastSelectShape(qs.state, {})?.key
          expect(key).toBeDefined()
          expect(db.runner.prepared.fast(db.executor.backend('default'), key!)).toBeDefined()
        }
      }
  })

  it('excluding by a lookup on a non-null column, and get() by one, take the fast key too', async () => {
    for (let round = 0; round < 2; round++) {
      expect(await titles(db.Post.exclude({ views: { lt: 40 } }))).toEqual(['plain', 'under_score'])
      expect((await db.Post.get({ title: { iexact: 'model FIELDS' } })).views).toBe(10)
    }
  })

  it('lookups the fast path does not read still work: in, range, isnull, a relation, unknown lookups', async () => {
    expect(await titles(db.Post.filter({ views: { in: [0, 50] } }))).toEqual(['Query planning', 'plain'])
    expect(await titles(db.Post.filter({ views: { range: [10, 20] } }))).toEqual(['QUERY cache', 'model fields'])
    expect(await titles(db.Post.filter({ title: { icontains: 'query' }, views: { isnull: false } }))).toEqual([
      'QUERY cache',
      'Query planning',
    ])
    expect(await titles(db.Post.filter({ author: { name: { iexact: 'l' } }, views: { gt: 40 } }))).toEqual(['plain'])
    const qs = db.Post.filter({ title: { icontains: 'x' } })
    expect(fastSelectShape(db.Post.filter({ views: { in: [1] } }).state, {})).toBeNull()
    expect(fastSelectShape(qs.state, {})).not.toBeNull()
    await expect(db.Post.filter({ title: { nope: 'x' } } as never)).rejects.toThrow(/Unsupported lookup 'nope'/)
  })
})
