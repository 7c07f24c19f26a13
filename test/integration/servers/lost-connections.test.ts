import { createServer } from 'node:net'
import { beforeAll, expect, it } from 'vitest'
import { connect, type DatabaseError, defineSchema, f, model, OperationalError, sql } from '../../../src/index.ts'
import { describeEachBackend, type Vendor } from '../../support/backends.ts'

const Sample = model('Sample', { label: f.string({ maxLength: 50 }), n: f.integer({ default: 0 }) })
const schema = defineSchema({ Sample })
type SampleDb = Awaited<ReturnType<typeof connect<typeof schema.$models>>>

/** How to find and kill sessions, on the servers (SQLite has no session to lose). */
const sessions: Partial<
  Record<
    Vendor,
    {
      id: ReturnType<typeof sql>
      sleep: ReturnType<typeof sql>
      /** The other sessions connected to the current database. */
      others: ReturnType<typeof sql>
      kill: (id: number) => ReturnType<typeof sql>
    }
  >
> = {
  postgres: {
    id: sql`SELECT pg_backend_pid() AS id`,
    sleep: sql`SELECT pg_sleep(10)`,
    others: sql`SELECT pid AS id FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`,
    kill: (id) => sql`SELECT pg_terminate_backend(${id})`,
  },
  mysql: {
    id: sql`SELECT CONNECTION_ID() AS id`,
    sleep: sql`SELECT SLEEP(10)`,
    others: sql`SELECT ID AS id FROM information_schema.PROCESSLIST WHERE DB = DATABASE() AND ID <> CONNECTION_ID()`,
    kill: (id) => sql`KILL ${sql.unsafe(String(id))}`,
  },
}

const settle = <T>(p: Promise<T>): Promise<unknown> =>
  p.then(
    () => null,
    (e: unknown) => e,
  )
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** A port nothing listens on: one the OS just handed out and took back. */
async function closedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const { port } = server.address() as { port: number }
  await new Promise((r) => server.close(r))
  return port
}

describeEachBackend('lost connections', (b) => {
  const session = sessions[b.vendor]
  if (!session) return it.skip('needs a server session to lose (servers only)')
  let url: string
  let db: SampleDb
  let admin: SampleDb
  const killOthers = async () => {
    const rows = await admin.query<{ id: number }>(session.others)
    for (const { id } of rows) await admin.query(session.kill(Number(id)))
    return rows.length
  }
  beforeAll(async () => {
    // One connection, so the killed session is the one the next statement would reuse; admin shares the database
    // so that `others` finds db's session.
    url = await b.freshUrl()
    db = await connect(url, schema, { pool: { max: 1 } })
    await db.createTables()
    admin = await connect(url, schema)
    return async () => {
      await db.close()
      await admin.close()
    }
  })

  it('a transaction whose connection is killed while idle fails with OperationalError and writes nothing', async () => {
    const err = await settle(
      db.atomic(async () => {
        await db.Sample.create({ label: 'before kill' })
        const [{ id }] = (await db.query<{ id: number }>(session.id)) as [{ id: number }]
        await admin.query(session.kill(Number(id)))
        await pause(300)
        await db.Sample.create({ label: 'after kill' })
      }),
    )
    expect(err).toBeInstanceOf(OperationalError)
    // What failed: the driver's error, or the code of one quarry detected before sending.
    expect((err as DatabaseError).unsafeDriverError() ?? (err as DatabaseError).vendorCode).toBeDefined()
    // The pool serves the next statements and transactions on a new connection.
    expect(await db.Sample.count()).toBe(0)
    expect(await db.atomic(() => db.Sample.create({ label: 'next' }).then(() => db.Sample.count()))).toBe(1)
    await db.Sample.all().delete()
  })

  it('a stream whose connection is killed rejects with OperationalError rather than ending early', async () => {
    const total = 300
    await db.atomic(async () => {
      for (let i = 0; i < total; i++) await db.Sample.create({ label: `s${i}`, n: i })
    })
    const { features } = db.executor.backend('default')
    let seen = 0
    let killed = 0
    const err = await settle(
      (async () => {
        for await (const _ of db.Sample.orderBy('n').iterator({ chunkSize: 50 })) {
          if (seen++ === 0) {
            killed = await killOthers()
            await pause(200)
          }
        }
      })(),
    )
    expect(killed).toBe(1)
    if (features.hasServerSideCursors || features.canStreamRows) {
      // The cursor (or the result still arriving on the wire) died with its session: there is no way to finish it.
      expect(err).toBeInstanceOf(OperationalError)
      expect(seen).toBeLessThan(total)
    } else if (err === null) {
      // LIMIT/OFFSET chunks may continue on a new connection: then every row arrives.
      expect(seen).toBe(total)
    } else expect(err).toBeInstanceOf(OperationalError)
    expect(await db.Sample.count()).toBe(total)
    await db.Sample.all().delete()
  })

  it('close() finishes promptly after a connection was lost mid-statement', async () => {
    const own = await connect(url, schema, { pool: { max: 2 } })
    try {
      const [{ id }] = (await own.query<{ id: number }>(session.id)) as [{ id: number }]
      const running = settle(own.query(session.sleep))
      await pause(300)
      await admin.query(session.kill(Number(id)))
      expect(await running).toBeInstanceOf(OperationalError)
    } finally {
      const started = performance.now()
      await Promise.race([own.close(), pause(5000)])
      expect(performance.now() - started).toBeLessThan(2000)
    }
  })

  it('a wrong port fails connect() with OperationalError, naming no password', async () => {
    const u = new URL(url)
    u.password = 'hunter2-secret'
    u.port = String(await closedPort())
    const err = await settle(connect(u.toString(), schema, { pool: { connectTimeoutMs: 3000 } }))
    expect(err).toBeInstanceOf(OperationalError)
    expect(JSON.stringify({ message: (err as Error).message, stack: (err as Error).stack })).not.toContain('hunter2')
    expect((err as Error).message).toMatch(/ECONNREFUSED/)
  })

  it('a database that does not exist fails connect() with OperationalError naming it', async () => {
    const u = new URL(url)
    u.pathname = '/quarry_no_such_database'
    const err = await settle(connect(u.toString(), schema, { pool: { connectTimeoutMs: 3000 } }))
    expect(err).toBeInstanceOf(OperationalError)
    expect((err as OperationalError).vendorCode).toBeDefined()
    expect((err as Error).message).toContain('quarry_no_such_database')
  })
})
