// Issue 9, "Also": every failure is a QuarryError with a code. JSON that cannot be serialised, a filter nested too
// deep, integers out of range, and an aggregate over a misspelt relation (whose message lists the relations).
import { beforeAll, expect, it } from 'vitest'
import { Count, DataError, defineSchema, FieldError, f, InvalidValueError, model, Q, sql } from '../../src/index.ts'
import { describeEachBackend } from '../support/backends.ts'
import { blogSchema } from '../support/blog-schema.ts'

const Doc = model('Doc', { data: f.json<unknown>({ null: true }), big: f.bigint({ default: 0n }) })
const docs = defineSchema({ Doc })

describeEachBackend('typed errors', (b) => {
  let db: Awaited<ReturnType<typeof b.connect<typeof docs.$models>>>
  let blog: Awaited<ReturnType<typeof b.connect<typeof blogSchema.$models>>>
  beforeAll(async () => {
    db = await b.connect(docs)
    blog = await b.connect(blogSchema)
  })

  it('JSON with a bigint or a cycle is an InvalidValueError naming the field and the reason', async () => {
    const cycle: Record<string, unknown> = {}
    cycle.self = cycle
    const big = await db.Doc.create({ data: { n: 1n } }).catch((e) => e)
    expect(big).toBeInstanceOf(InvalidValueError)
    expect(big.message).toContain("'Doc.data'")
    expect(big.message).toContain('bigint')
    const cyc = await db.Doc.create({ data: cycle }).catch((e) => e)
    expect(cyc).toBeInstanceOf(InvalidValueError)
    expect(cyc.message).toContain('cycle')
    expect(await db.Doc.count()).toBe(0)
  })

  it('a deeply nested Q is an InvalidValueError, not a stack overflow', async () => {
    let q: unknown = { big: 1n }
    for (let i = 0; i < 20_000; i++) q = Q.not(q as never)
    const err = await db.Doc.filter(q as never)
      .count()
      .catch((e) => e)
    expect(err).toBeInstanceOf(InvalidValueError)
    expect(err.message).toMatch(/nested more than \d+ levels/)
    let ok: unknown = { big: 1n }
    for (let i = 0; i < 40; i++) ok = Q.not(ok as never)
    expect(await db.Doc.filter(ok as never).count()).toBe(0)
  })

  it('an integer out of range is a DataError on every backend', async () => {
    await expect(db.Doc.create({ big: 2n ** 70n })).rejects.toBeInstanceOf(DataError)
    await db.Doc.create({ big: 2n ** 62n })
    await db.Doc.create({ big: 2n ** 62n })
    // SUM past 64 bits: SQLite "integer overflow", PostgreSQL numeric (no error), MySQL 1690.
    const sum = await db.query(sql`select sum(big) + ${2n ** 62n} * 2 as s from doc`).then(
      () => null,
      (e: unknown) => e,
    )
    if (sum !== null) expect(sum).toBeInstanceOf(DataError)
  })

  it("Count('postz') lists the relations it could count", async () => {
    const err = await blog.Author.annotate({ n: Count('postz' as never) }).catch((e) => e)
    expect(err).toBeInstanceOf(FieldError)
    expect(err.message).toContain("Did you mean 'posts'")
    expect(err.choices).toContain('posts')
    expect(err.choices).toContain('name')
  })
})
