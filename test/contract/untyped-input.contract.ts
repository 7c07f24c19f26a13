// Issue 9, item 13: an object from user input is not silently read as lookups, and the regex lookups are safe
// against catastrophic backtracking and mean the same on every backend.
import { beforeAll, expect, it } from 'vitest'
import { DataError, InvalidValueError, Q } from '../../src/index.ts'
import { describeEachBackend } from '../support/backends.ts'
import { blogSchema } from '../support/blog-schema.ts'

describeEachBackend('untyped input', (b) => {
  let db: Awaited<ReturnType<typeof b.connect<typeof blogSchema.$models>>>
  beforeAll(async () => {
    db = await b.connect(blogSchema)
    const a = await db.Author.create({ name: 'Ann' })
    for (const title of ['Django ORM', 'django orm tips', 'Perf 2024', 'a.c', 'abc', `${'a'.repeat(30)}!`])
      await db.Post.create({ title, author: a })
  })

  it('an empty lookup object ({} from a request body) is an error, not "match every row"', async () => {
    const body = JSON.parse('{"title": {}}') as { title: string }
    const err = await db.Post.filter({ title: body.title }).catch((e) => e)
    expect(err).toBeInstanceOf(InvalidValueError)
    expect(err.message).toContain("'Post.title'")
    expect(err.message).toContain('schema validator')
    await expect(db.Post.exclude({ title: {} as never }).count()).rejects.toBeInstanceOf(InvalidValueError)
    await expect(db.Post.filter({ author: {} as never }).count()).rejects.toBeInstanceOf(InvalidValueError)
    await expect(db.Author.filter({ posts: {} as never }).count()).rejects.toBeInstanceOf(InvalidValueError)
    await expect(db.Post.filter(Q.or({ title: {} as never }, { views: 1 })).count()).rejects.toBeInstanceOf(
      InvalidValueError,
    )
    // filter() with no condition at all still means every row, as in Django.
    expect(await db.Post.filter({}).count()).toBe(6)
  })

  it('a catastrophic-backtracking pattern ends quickly, and the process keeps serving', async () => {
    const started = performance.now()
    const outcome = await db.Post.filter({ title: { regex: '^(a+)+$' } })
      .count()
      .then(
        (n) => n,
        (e: unknown) => e,
      )
    // Linear-time engines answer 0; a server may refuse the pattern past its backtracking limit with a DataError.
    if (typeof outcome === 'number') expect(outcome).toBe(0)
    else expect(outcome).toBeInstanceOf(DataError)
    expect(performance.now() - started).toBeLessThan(5_000)
    expect(await db.Post.count()).toBe(6)
  })

  it('regex and iregex give the same rows on every backend', async () => {
    const titles = async (lookup: 'regex' | 'iregex', pattern: string) =>
      (
        await db.Post.filter({ title: { [lookup]: pattern } })
          .orderBy('title')
          .valuesList('title', { flat: true })
      ).map(String)
    expect(await titles('regex', '^[Dd]jango')).toEqual(['Django ORM', 'django orm tips'])
    expect(await titles('regex', 'ORM$')).toEqual(['Django ORM'])
    expect(await titles('iregex', 'ORM')).toEqual(['Django ORM', 'django orm tips'])
    expect(await titles('regex', '[[:digit:]]{4}')).toEqual(['Perf 2024'])
    expect(await titles('regex', '^a\\.c$')).toEqual(['a.c'])
    expect(await titles('regex', '^a.c$')).toEqual(['a.c', 'abc'])
  })
})
