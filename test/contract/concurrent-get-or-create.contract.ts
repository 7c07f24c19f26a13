// Issue 9, item 6: 200 concurrent getOrCreate calls, each inside atomic(), all succeed with one row. On MySQL and
// MariaDB that needs READ COMMITTED (Django's default since 2.0): under REPEATABLE READ the read after the losing
// INSERT still sees the transaction's old snapshot and throws DoesNotExist.
import { expect, it } from 'vitest'
import { connect, ImproperlyConfigured, sql } from '../../src/index.ts'
import { describeEachBackend } from '../support/backends.ts'
import { blogSchema } from '../support/blog-schema.ts'

describeEachBackend('concurrent getOrCreate', (b) => {
  it('200 concurrent getOrCreate inside atomic all succeed and create one row', async () => {
    // A generous wait for a connection: 200 transactions queue on 10 connections; this is about isolation.
    const db = await b.connect(blogSchema, { pool: { acquireTimeoutMs: 60_000 } })
    const results = await Promise.allSettled(
      Array.from({ length: 200 }, () => db.atomic(() => db.Tag.getOrCreate({ name: 'orm' }))),
    )
    const failed = results
      .filter((r) => r.status === 'rejected')
      .map((r) => String((r as PromiseRejectedResult).reason))
    expect(failed).toEqual([])
    const ok = results as PromiseFulfilledResult<[{ id: number }, boolean]>[]
    expect(ok.filter((r) => r.value[1]).length).toBe(1)
    expect(new Set(ok.map((r) => r.value[0].id)).size).toBe(1)
    expect(await db.Tag.count()).toBe(1)
  })

  it('the isolation level is configurable', async () => {
    const url = await b.freshUrl()
    // How each dialect reports the level of the current transaction.
    const current = {
      sqlite: null,
      postgres: sql`show transaction_isolation`,
      mysql: sql`select @@tx_isolation as transaction_isolation`,
    }[b.vendor]
    if (current === null) {
      // SQLite: always serializable; asking for less is a configuration error.
      await expect(connect(url, blogSchema, { isolationLevel: 'read committed' })).rejects.toBeInstanceOf(
        ImproperlyConfigured,
      )
      await (await connect(url, blogSchema, { isolationLevel: 'serializable' })).close()
      return
    }
    for (const [level, expected] of [
      [undefined, /^read.committed$/i],
      ['repeatable read', /^repeatable.read$/i],
    ] as const) {
      const db = await connect(url, blogSchema, level ? { isolationLevel: level } : {})
      const rows = await db.atomic(() => db.query<{ transaction_isolation: string }>(current))
      expect(rows[0]!.transaction_isolation).toMatch(expected)
      await db.close()
    }
    await expect(connect(url, blogSchema, { isolationLevel: 'snapshot' as never })).rejects.toBeInstanceOf(
      ImproperlyConfigured,
    )
  })
})
