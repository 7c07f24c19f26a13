// Issue 9, item 5: while another connection holds a SQLite file's write lock, quarry waits with short asynchronous
// back-off instead of SQLite's busy handler spinning on the main thread: the process keeps serving other work,
// the write goes through once the lock is released, and a lock that is never released ends in a clear
// OperationalError after a bounded time. On both drivers; the other holder of the lock uses the same driver (two
// copies of SQLite in one process do not see each other's locks).
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect, it } from 'vitest'
import { connect, OperationalError } from '../../../src/index.ts'
import { describeEachSqliteDriver } from '../../support/backends.ts'
import { blogSchema } from '../../support/blog-schema.ts'
import { openRaw } from '../../support/sqlite-drivers.ts'

/** Counts event-loop turns (a 10 ms interval) while `p` runs: near zero if the main thread was blocked. */
async function ticksDuring<T>(p: () => Promise<T>): Promise<{ ticks: number; result: T | undefined; error: unknown }> {
  let ticks = 0
  const timer = setInterval(() => ticks++, 10)
  try {
    const result = await p()
    return { ticks, result, error: undefined }
  } catch (error) {
    return { ticks, result: undefined, error }
  } finally {
    clearInterval(timer)
  }
}

describeEachSqliteDriver('a locked SQLite file', (d) => {
  const dir = mkdtempSync(join(tmpdir(), 'quarry-sqlite-busy-'))

  it('a write waits for another holder of the write lock without blocking the event loop', async () => {
    const path = join(dir, 'released.db')
    const db = await connect(d.url(path), blogSchema)
    await db.createTables()
    const other = await openRaw(d.driver, path)
    other.exec('BEGIN IMMEDIATE')
    setTimeout(() => other.exec('COMMIT'), 400)
    const started = performance.now()
    const { ticks, error } = await ticksDuring(() => db.Author.create({ name: 'after the lock' }))
    expect(error).toBeUndefined()
    expect(performance.now() - started).toBeGreaterThanOrEqual(300)
    expect(ticks).toBeGreaterThanOrEqual(10) // the loop ran while the write waited
    expect(await db.Author.count()).toBe(1)
    other.close()
    await db.close()
  })

  it('a lock never released ends in an OperationalError after the bound, and reads go on meanwhile', async () => {
    const path = join(dir, 'held.db')
    const db = await connect(d.url(path), blogSchema, { sqlite: { busyTimeoutMs: 600 } })
    await db.createTables()
    await db.Author.create({ name: 'before' })
    const other = await openRaw(d.driver, path)
    other.exec('BEGIN IMMEDIATE')
    const started = performance.now()
    const write = ticksDuring(() => db.Author.create({ name: 'never' }))
    // Other work is served while the write waits (WAL: readers do not wait for the writer).
    expect(await db.Author.count()).toBe(1)
    const { ticks, error } = await write
    const waited = performance.now() - started
    expect(error).toBeInstanceOf(OperationalError)
    expect((error as Error).message).toMatch(/locked/)
    expect((error as Error).message).toContain('busyTimeoutMs')
    expect(waited).toBeGreaterThanOrEqual(500)
    expect(waited).toBeLessThan(5_000)
    expect(ticks).toBeGreaterThanOrEqual(10)
    other.exec('ROLLBACK')
    other.close()
    expect(await db.Author.create({ name: 'now' })).toBeDefined()
    await db.close()
  })
})
