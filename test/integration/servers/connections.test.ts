import { beforeAll, expect, it } from 'vitest'
import { connect, type DatabaseError, IntegrityError, OperationalError, sql } from '../../../src/index.ts'
import { describeEachBackend, type Vendor } from '../../support/backends.ts'
import { blogSchema } from '../../support/blog-schema.ts'

/** How to find and kill a session, on the backends with a connection pool (servers). */
const sessions: Partial<
  Record<
    Vendor,
    { id: ReturnType<typeof sql>; sleep: ReturnType<typeof sql>; kill: (id: number) => ReturnType<typeof sql> }
  >
> = {
  postgres: {
    id: sql`SELECT pg_backend_pid() AS id`,
    sleep: sql`SELECT pg_sleep(10)`,
    kill: (id) => sql`SELECT pg_terminate_backend(${id})`,
  },
  mysql: {
    id: sql`SELECT CONNECTION_ID() AS id`,
    sleep: sql`SELECT SLEEP(10)`,
    kill: (id) => sql`KILL ${sql.unsafe(String(id))}`,
  },
}
const uniqueViolation: Partial<Record<Vendor, string | number>> = { postgres: '23505', mysql: 1062 }

describeEachBackend('server connections', (b) => {
  const session = sessions[b.vendor]
  if (!session) return it.skip('needs a connection pool (servers only)')
  let db: Awaited<ReturnType<typeof b.connect<typeof blogSchema.$models>>>
  let admin: Awaited<ReturnType<typeof connect<typeof blogSchema.$models>>>
  beforeAll(async () => {
    // One connection, so the killed session is the one the next query would reuse.
    db = await b.connect(blogSchema, { pool: { max: 1 } })
    admin = await connect(await b.freshUrl(), blogSchema)
    return () => admin.close()
  })

  it('a connection killed mid-query fails with OperationalError and the pool recovers', async () => {
    const [{ id }] = (await db.query<{ id: number }>(session.id)) as [{ id: number }]
    // Settled as soon as it fails: the failure may arrive before the kill statement returns.
    const running = db.query(session.sleep).then(
      () => null,
      (e: unknown) => e,
    )
    await new Promise((r) => setTimeout(r, 300))
    await admin.query(session.kill(Number(id)))
    const err = await running
    expect(err).toBeInstanceOf(OperationalError)
    // What failed: the driver's error, or the code of one quarry detected before sending.
    expect((err as DatabaseError).unsafeDriverError() ?? (err as DatabaseError).vendorCode).toBeDefined()
    // The broken connection was dropped; a new one serves the next query.
    expect(await db.Author.count()).toBe(0)
    const [{ id: next }] = (await db.query<{ id: number }>(session.id)) as [{ id: number }]
    expect(Number(next)).not.toBe(Number(id))
  })

  it('a connection killed while idle in the pool is replaced', async () => {
    const [{ id }] = (await db.query<{ id: number }>(session.id)) as [{ id: number }]
    await admin.query(session.kill(Number(id)))
    await new Promise((r) => setTimeout(r, 200))
    // At most the first use of the dead connection fails; the pool then recovers.
    await db.Author.count().catch((e: unknown) => expect(e).toBeInstanceOf(OperationalError))
    expect(await db.Author.count()).toBe(0)
  })

  it('a unique violation is an IntegrityError with the vendor code and no value in the message', async () => {
    const email = 'secret.person@example.com'
    await db.Author.create({ name: 'A', email })
    const err = await db.Author.create({ name: 'B', email }).then(
      () => null,
      (e: unknown) => e,
    )
    expect(err).toBeInstanceOf(IntegrityError)
    expect((err as IntegrityError).vendorCode).toBe(uniqueViolation[b.vendor])
    expect((err as Error).message).not.toContain('secret')
    expect((err as IntegrityError).sql).toMatch(/INSERT INTO/)
    await db.Author.filter({ email }).delete()
  })

  it('a transaction rolled back on error leaves nothing behind, and its connection is reusable', async () => {
    await db.Author.create({ name: 'Kept', email: 'kept@example.com' })
    const err = await db
      .atomic(async () => {
        const a = await db.Author.create({ name: 'Gone' })
        await db.Post.create({ title: 'gone', author: a })
        await db.Author.create({ name: 'Dup', email: 'kept@example.com' })
      })
      .catch((e: unknown) => e)
    expect(err).toBeInstanceOf(IntegrityError)
    expect(await db.Author.filter({ name: 'Gone' }).count()).toBe(0)
    expect(await db.Post.count()).toBe(0)
    expect(await db.Author.count()).toBe(1)
    await db.Author.all().delete()
  })

  it('several pooled connections run queries in parallel', async () => {
    const many = await b.connect(blogSchema, { pool: { max: 4 } })
    const started = performance.now()
    await Promise.all(
      [1, 2, 3, 4].map(() => many.query(b.vendor === 'postgres' ? sql`SELECT pg_sleep(0.3)` : sql`SELECT SLEEP(0.3)`)),
    )
    expect(performance.now() - started).toBeLessThan(1000)
  })
})

describeEachBackend('pool idle timeout', (b) => {
  // quarry times idle connections itself: on PostgreSQL one lazy timer per connection in place of postgres.js's
  // timer per statement; on MySQL a reaper, as mysql2 closes idle connections only beyond its maxIdle.
  const session = sessions[b.vendor]
  if (!session) return it.skip('needs a connection pool (servers only)')
  const id = session.id
  const open = (pid: number) =>
    b.vendor === 'postgres'
      ? sql`SELECT count(*)::int AS n FROM pg_stat_activity WHERE pid = ${pid}`
      : sql`SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE ID = ${pid}`
  const sleep = b.vendor === 'postgres' ? sql`SELECT pg_sleep(0.6)` : sql`SELECT SLEEP(0.6)`

  it('closes a connection idle past pool.idleTimeoutMs, never one in use, and the next query opens a new one', async () => {
    const db = await b.connect(blogSchema, { pool: { max: 1, idleTimeoutMs: 300 } })
    const admin = await connect(await b.freshUrl(), blogSchema)
    try {
      const [{ id: first }] = (await db.query<{ id: number }>(id)) as [{ id: number }]
      // Busy for longer than the timeout (its timer fires meanwhile): still the same connection afterwards.
      await db.query(sleep)
      const [{ id: same }] = (await db.query<{ id: number }>(id)) as [{ id: number }]
      expect(Number(same)).toBe(Number(first))
      // Idle: gone from the server within the timeout and the timer's rest.
      const deadline = performance.now() + 3000
      let n = 1
      while (n !== 0 && performance.now() < deadline) {
        await new Promise((r) => setTimeout(r, 50))
        n = Number(((await admin.query<{ n: number }>(open(Number(first)))) as [{ n: number }])[0].n)
      }
      expect(n).toBe(0)
      const [{ id: next }] = (await db.query<{ id: number }>(id)) as [{ id: number }]
      expect(Number(next)).not.toBe(Number(first))
    } finally {
      await db.close()
      await admin.close()
    }
  })

  it('keeps a connection used more often than the timeout open', async () => {
    const db = await b.connect(blogSchema, { pool: { max: 1, idleTimeoutMs: 300 } })
    try {
      const [{ id: first }] = (await db.query<{ id: number }>(id)) as [{ id: number }]
      for (let i = 0; i < 8; i++) {
        await new Promise((r) => setTimeout(r, 100))
        const [{ id: again }] = (await db.query<{ id: number }>(id)) as [{ id: number }]
        expect(Number(again)).toBe(Number(first))
      }
    } finally {
      await db.close()
    }
  })

  it('leaves no timer behind that keeps a process alive after close()', async () => {
    // A child that connects with the default 30 s idle timeout, queries and closes: it must exit at once.
    const url = await b.freshUrl()
    const script = `
      import { connect, sql } from ${JSON.stringify(new URL('../../../src/index.ts', import.meta.url).href)}
      import { blogSchema } from ${JSON.stringify(new URL('../../support/blog-schema.ts', import.meta.url).href)}
      const db = await connect(process.argv[1], blogSchema)
      await db.query(sql\`SELECT 1\`)
      await db.close()
      globalThis.closedAt = performance.now()
      process.on('exit', () => console.log(Math.round(performance.now() - globalThis.closedAt)))
    `
    const { execFileSync } = await import('node:child_process')
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script, url], {
      encoding: 'utf8',
      timeout: 20_000,
    })
    expect(Number(out.trim())).toBeLessThan(2000)
  }, 30_000)
})
