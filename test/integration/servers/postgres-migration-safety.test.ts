// PostgreSQL deploy safety: CONCURRENTLY index builds keep writes flowing, and lock_timeout gives up cleanly.
// Real server, real CLI processes.
import pg from 'pg'
import { afterEach, describe, expect, it } from 'vitest'
import { targets } from '../../support/backends.ts'
import { CliProject } from '../../support/cli-project.ts'

const postgres = targets.find((t) => t.vendor === 'postgres')!

const base = `
const Author = model('Author', { name: f.string({ maxLength: 100 }) })
const Post = model('Post', {
  title: f.string({ maxLength: 200 }),
  author: f.foreignKey('Author', { onDelete: 'cascade' }),
}, { table: 'blog_post' })
export const schema = defineSchema({ Author, Post })`

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

describe('PostgreSQL migration safety', async () => {
  const why = await postgres.unavailable()
  if (why) {
    if (process.env.CI === 'true') throw new Error(`postgres is required under CI=true: ${why}`)
    it.skip(`postgres unavailable: ${why}`, () => {})
    return
  }
  const cleanups: (() => Promise<void> | void)[] = []
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c()
  })
  const setup = async (migrate?: Record<string, number>) => {
    const { url, drop } = await postgres.create()
    const project = new CliProject(url, migrate ? { migrate } : {})
    const client = new pg.Client({ connectionString: url })
    await client.connect()
    cleanups.push(
      drop,
      () => project.remove(),
      () => client.end(),
    )
    project.models(base)
    expect((await project.run(['makemigrations'])).code).toBe(0)
    const m = await project.run(['migrate'])
    expect(m.code, m.stderr).toBe(0)
    await client.query(`INSERT INTO author (name) VALUES ('a')`)
    return { project, client, url }
  }

  it('builds an index CONCURRENTLY while another transaction holds the table, and writes keep flowing', async () => {
    const { project, client, url } = await setup()
    project.models(base.replace("{ table: 'blog_post' }", "{ table: 'blog_post', indexes: [index(['title'])] }"))
    const made = await project.run(['makemigrations', '--name', 'title_index'])
    expect(made.code, made.stderr).toBe(0)

    // A long transaction that has written to the table: a plain CREATE INDEX would wait for it while blocking
    // every other write; CREATE INDEX CONCURRENTLY waits without blocking them.
    const long = new pg.Client({ connectionString: url })
    await long.connect()
    cleanups.push(() => long.end())
    await long.query('BEGIN')
    await long.query(`INSERT INTO blog_post (title, author_id) VALUES ('held', 1)`)

    const migrating = project.run(['migrate'])
    let waiting = false
    for (let i = 0; i < 100 && !waiting; i++) {
      const r = await client.query(
        `SELECT 1 FROM pg_stat_activity WHERE query LIKE 'CREATE INDEX CONCURRENTLY%' AND datname = current_database()`,
      )
      waiting = r.rowCount === 1
      if (!waiting) await sleep(100)
    }
    expect(waiting).toBe(true)
    // Writes from other sessions go through while the index build waits.
    for (let i = 0; i < 5; i++) {
      const started = Date.now()
      await client.query({ text: `INSERT INTO blog_post (title, author_id) VALUES ($1, 1)`, values: [`w${i}`] })
      expect(Date.now() - started).toBeLessThan(2000)
    }
    const still = await client.query(
      `SELECT 1 FROM pg_stat_activity WHERE query LIKE 'CREATE INDEX CONCURRENTLY%' AND datname = current_database()`,
    )
    expect(still.rowCount).toBe(1)
    await long.query('COMMIT')
    const done = await migrating
    expect(done.code, done.stderr).toBe(0)
    const ix = await client.query(
      `SELECT i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relname LIKE 'blog_post_title_%_idx'`,
    )
    expect(ix.rows).toEqual([{ indisvalid: true }])
    expect((await client.query('SELECT count(*)::int AS n FROM blog_post')).rows[0].n).toBe(6)
  })

  it('gives up after lock_timeout with a clear error and leaves nothing half-applied', async () => {
    const { project, client, url } = await setup({ lockTimeoutMs: 300, lockAttempts: 2 })
    project.models(
      base.replace(
        'title: f.string({ maxLength: 200 }),',
        'title: f.string({ maxLength: 200 }),\n  views: f.integer({ default: 0 }),\n  score: f.integer({ null: true }),',
      ),
    )
    expect((await project.run(['makemigrations', '--name', 'counters'])).code).toBe(0)
    // A reader holding the table: ALTER TABLE needs an exclusive lock and must not queue every query behind it.
    const reader = new pg.Client({ connectionString: url })
    await reader.connect()
    cleanups.push(() => reader.end())
    await reader.query('BEGIN')
    await reader.query('SELECT * FROM blog_post')

    const failed = await project.run(['migrate'])
    expect(failed.code).toBe(1)
    expect(failed.stderr).toContain('0002_counters.ts: gave up after 2 attempt(s)')
    expect(failed.stderr).toContain('lock_timeout (300 ms)')
    expect(failed.stderr).toContain('Nothing of this migration was applied.')
    expect(failed.stdout).toContain('retrying (1/1)')
    const cols = await client.query(
      `SELECT column_name FROM information_schema.columns WHERE table_name = 'blog_post' ORDER BY ordinal_position`,
    )
    expect(cols.rows.map((r) => r.column_name)).toEqual(['id', 'title', 'author_id'])
    expect((await project.run(['showmigrations'])).stdout).toContain('[ ] 0002_counters')

    await reader.query('COMMIT')
    const ok = await project.run(['migrate'])
    expect(ok.code, ok.stderr).toBe(0)
    const after = await client.query(
      `SELECT column_name FROM information_schema.columns WHERE table_name = 'blog_post' ORDER BY ordinal_position`,
    )
    expect(after.rows.map((r) => r.column_name)).toEqual(['id', 'title', 'author_id', 'views', 'score'])
  })
  it('a CONCURRENTLY index that fails leaves no invalid index, and the parts committed before it are undone', async () => {
    const { project, client } = await setup()
    await client.query(`INSERT INTO blog_post (title, author_id) VALUES ('same', 1), ('same', 1)`)
    project.write(
      'migrations/0002_unique_title.ts',
      `import { f, index } from 'quarry'
import { migration, op } from 'quarry/migrations'
export default migration({
  dependencies: ['0001_initial'],
  operations: [
    op.addField('Post', 'views', f.integer({ default: 0 })),
    op.addIndex('Post', index(['title'], { unique: true, name: 'post_title_uniq' }), { concurrently: true }),
  ],
})
`,
    )
    const r = await project.run(['migrate'])
    expect(r.code).toBe(1)
    expect(r.stderr).toContain('0002_unique_title.ts failed: could not create unique index "post_title_uniq"')
    expect(r.stderr).toContain(
      'Operations 1-1, committed before it, were undone: nothing of this migration is applied.',
    )
    const cols = await client.query(
      `SELECT column_name FROM information_schema.columns WHERE table_name = 'blog_post' ORDER BY ordinal_position`,
    )
    expect(cols.rows.map((c) => c.column_name)).toEqual(['id', 'title', 'author_id'])
    expect((await client.query(`SELECT 1 FROM pg_class WHERE relname = 'post_title_uniq'`)).rowCount).toBe(0)
    expect((await project.run(['showmigrations'])).stdout).toContain('[ ] 0002_unique_title')
    // Fixed data, same migration: it applies.
    await client.query(`UPDATE blog_post SET title = 'other' WHERE id = (SELECT max(id) FROM blog_post)`)
    const ok = await project.run(['migrate'])
    expect(ok.code, ok.stderr).toBe(0)
  })

  // Two migrate processes started together: test/integration/migrations/concurrent-migrate.test.ts (every backend).
})
