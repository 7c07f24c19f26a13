import { afterAll, beforeAll, expect, it } from 'vitest'
import { connect, type Db, sql } from '../../../src/index.ts'
import { describeEachBackend } from '../../support/backends.ts'
import { type BlogModels, blogSchema } from '../../support/blog-schema.ts'

/** Two real databases of the same backend: a primary that takes writes and a "replica" that serves reads. */
describeEachBackend('routing between two databases', (b) => {
  let db: Db<BlogModels>
  const reads: string[] = []
  beforeAll(async () => {
    db = await connect({ default: await b.freshUrl(), replica: await b.freshUrl() }, blogSchema, {
      router: { dbForRead: () => 'replica', dbForWrite: () => 'default' },
    })
    await db.createTables()
    await db.createTables({ using: 'replica' })
    // The replica has its own row, so where a read went shows in what it returns.
    await db.execute(sql`insert into author (name) values (${'only-on-replica'})`, { using: 'replica' })
    db.on('query', (e) => reads.push(`${e.kind}:${e.alias}`))
  })
  afterAll(() => db?.close())

  it('writes go to the writer, reads to the reader', async () => {
    const a = await db.Author.create({ name: 'written' })
    expect(reads.at(-1)).toBe('insert:default')
    expect((await db.Author.all()).map((x) => x.name)).toEqual(['only-on-replica'])
    expect(reads.at(-1)).toBe('select:replica')
    expect((await db.Author.using('default').all()).map((x) => x.name)).toEqual(['written'])
    expect(await db.Author.using('default').filter({ id: a.id }).exists()).toBe(true)
  })

  it('reads inside atomic stay on the database of the transaction', async () => {
    const seen = await db.atomic(async () => {
      await db.Author.create({ name: 'in-tx' })
      return (await db.Author.orderBy('name').all()).map((x) => x.name)
    })
    expect(seen).toEqual(['in-tx', 'written'])
    expect(reads.filter((r) => r.startsWith('select')).at(-1)).toBe('select:default')
    // Outside the transaction, reads are routed again.
    expect(await db.Author.count()).toBe(1)
  })

  it('instances remember the database they came from', async () => {
    const fromReplica = await db.Author.get({ name: 'only-on-replica' })
    await fromReplica.refreshFromDb()
    expect(reads.at(-1)).toBe('select:replica')
    const fromDefault = await db.Author.using('default').get({ name: 'written' })
    fromDefault.name = 'rewritten'
    await fromDefault.save()
    expect(reads.at(-1)).toBe('update:default')
    expect(await db.Author.using('default').filter({ name: 'rewritten' }).count()).toBe(1)
  })
})
