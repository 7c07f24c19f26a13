// `advise` on a seeded database, per backend: proposes the index for a slow filtered and ordered query, nothing for
// a query an index already serves, and the proposal, once created, makes the query use the index.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { adviseCommand } from '../../src/cli/commands/advise.ts'
import { profiler } from '../../src/http/index.ts'
import { type Db, defineSchema, f, index, model, sql } from '../../src/index.ts'
import { type Advice, advise, formatAdvice } from '../../src/profiler/index-advisor.ts'
import { describeEachBackend } from '../support/backends.ts'

const Event = model(
  'Event',
  {
    kind: f.string({ maxLength: 20 }),
    score: f.integer({ default: 0 }),
    owner: f.integer({ default: 0 }),
    createdAt: f.datetime(),
  },
  { table: 'advise_event', indexes: [index(['score']), index(['owner']), index(['owner', 'score'])] },
)
/** Open tickets are 5% of the rows: `closedAt: null` is the constant filter a partial index can be made of. */
const Ticket = model(
  'Ticket',
  { queue: f.string({ maxLength: 20 }), closedAt: f.datetime({ null: true }), createdAt: f.datetime() },
  { table: 'advise_ticket' },
)
const schema = defineSchema({ Event, Ticket })
const ROWS = 20_000

describeEachBackend('index advisor', (b) => {
  let db: Db<typeof schema.$models>
  let dir: string
  let store: string
  let advice: Advice

  /** The page query the advisor should fix, and one an index already serves. */
  const page = () => db.Event.filter({ kind: 'k7' }).orderBy('-createdAt').slice(0, 20)
  const byScore = () => db.Event.filter({ score: 42 })

  /**
   * The index each backend's planner accepts for the page. MySQL/MariaDB: quarry compiles an exact string match to
   * `LIKE ? COLLATE utf8mb4_bin` there (mysql-operations.ts), which the optimizer reads as a range, and a range
   * before the sort column leaves a filesort: the index that serves ORDER BY + LIMIT is the sort column's.
   */
  const pageIndex = b.vendor === 'mysql' ? "index(['-createdAt'])" : "index(['kind', '-createdAt'])"
  const pageDdlName = b.vendor === 'mysql' ? 'advise_event_created_at_idx' : 'advise_event_kind_created_at_idx'

  beforeAll(async () => {
    db = await b.connect(schema, { nPlusOne: 'off' })
    if (b.vendor === 'sqlite') {
      await db.execute(sql`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${ROWS})
        INSERT INTO advise_event (kind, score, owner, created_at)
        SELECT 'k' || (i % 50), i % 1000, i % 7, strftime('%Y-%m-%dT%H:%M:%fZ', '2024-01-01', '+' || i || ' minutes') FROM n`)
      await db.execute(sql`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${ROWS})
        INSERT INTO advise_ticket (queue, closed_at, created_at)
        SELECT 'q' || (i % 10), CASE WHEN i % 20 = 0 THEN NULL ELSE strftime('%Y-%m-%dT%H:%M:%fZ', '2024-02-01') END,
          strftime('%Y-%m-%dT%H:%M:%fZ', '2024-01-01', '+' || i || ' minutes') FROM n`)
      await db.execute(sql`ANALYZE`)
    } else if (b.vendor === 'postgres') {
      await db.execute(sql`CREATE EXTENSION IF NOT EXISTS hypopg`)
      await db.execute(sql`INSERT INTO advise_event (kind, score, owner, created_at)
        SELECT 'k' || (i % 50), i % 1000, i % 7, timestamptz '2024-01-01' + i * interval '1 minute'
        FROM generate_series(1, ${ROWS}::int) i`)
      await db.execute(sql`INSERT INTO advise_ticket (queue, closed_at, created_at)
        SELECT 'q' || (i % 10), CASE WHEN i % 20 = 0 THEN NULL ELSE timestamptz '2024-02-01' END,
          timestamptz '2024-01-01' + i * interval '1 minute'
        FROM generate_series(1, ${ROWS}::int) i`)
      await db.execute(sql`ANALYZE advise_event`)
      await db.execute(sql`ANALYZE advise_ticket`)
    } else {
      await db.execute(sql`INSERT INTO advise_event (kind, score, owner, created_at)
        SELECT CONCAT('k', seq % 50), seq % 1000, seq % 7, TIMESTAMP '2024-01-01 00:00:00' + INTERVAL seq MINUTE
        FROM seq_1_to_20000`)
      await db.execute(sql`INSERT INTO advise_ticket (queue, closed_at, created_at)
        SELECT CONCAT('q', seq % 10), IF(seq % 20 = 0, NULL, TIMESTAMP '2024-02-01 00:00:00'),
          TIMESTAMP '2024-01-01 00:00:00' + INTERVAL seq MINUTE
        FROM seq_1_to_20000`)
      await db.query(sql`ANALYZE TABLE advise_event`)
      await db.query(sql`ANALYZE TABLE advise_ticket`)
    }
    expect(await db.Event.count()).toBe(ROWS)
    expect(await db.Ticket.filter({ closedAt: null }).count()).toBe(ROWS / 20)
    dir = mkdtempSync(join(tmpdir(), 'quarry-advise-'))
    store = join(dir, 'profile.jsonl')
    const prof = profiler(db, { store })
    const app = prof.wrap(async () => {
      const rows = await page().fetch()
      const scored = await byScore().fetch()
      return Response.json([rows.length, scored.length])
    })
    for (let i = 0; i < 6; i++) expect((await app(new Request('http://app/feed'))).status).toBe(200)
    await prof.close()
    advice = await advise(db, { from: store, minCalls: 5 })
  })
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('proposes an index serving the filter and ORDER BY + LIMIT of the page, checked by the planner', () => {
    expect(advice.proposals).toHaveLength(1)
    const p = advice.proposals[0]!
    expect(p.model).toBe('Event')
    expect(p.modelLine).toBe(`indexes: [${pageIndex}]`)
    expect(p.queries[0]!.calls).toBe(6)
    expect(p.queries[0]!.sites.size).toBeGreaterThan(0)
    const scanOrSort = {
      sqlite: /SCAN advise_event|TEMP B-TREE/,
      postgres: /Seq Scan|Sort/,
      mysql: /type=ALL|filesort/,
    }
    expect(p.planBefore).toMatch(scanOrSort[b.vendor])
    expect(p.planAfter).not.toMatch(scanOrSort[b.vendor])
    if (b.vendor === 'postgres') {
      expect(advice.method).toMatch(/HypoPG/)
      expect(p.planAfter).toMatch(/<\d+>btree_advise_event_kind_created_at"? \(hypothetical\)/)
      expect(p.gain).toMatch(/planner estimate/)
    }
    const text = formatAdvice(advice)
    expect(text).toContain(`Event: add  indexes: [${pageIndex}]`)
  })

  it('the advise command prints the same advice (text and --json)', async () => {
    let text = ''
    const out = { write: (s: string) => (text += s) }
    expect(await adviseCommand(['--from', store, '--min-calls', '5'], { db, out })).toBe(0)
    expect(text).toContain(`indexes: [${pageIndex}]`)
    text = ''
    await adviseCommand(['--from', store, '--json'], { db, out })
    expect(JSON.parse(text).proposals[0].modelLine).toBe(`indexes: [${pageIndex}]`)
    await expect(adviseCommand(['--min-calls', 'x'], { db, out })).rejects.toThrow(/--min-calls takes a number/)
  })

  it('proposes nothing for the query an index already serves', () => {
    expect(advice.served.some((s) => /"?`?score`?"? = /.test(s.sql))).toBe(true)
    expect(
      advice.proposals.flatMap((p) => p.queries).some((q) => q.sql.includes('score') && !q.sql.includes('kind')),
    ).toBe(false)
  })

  it('lists unused and prefix-redundant indexes', () => {
    const unused = advice.unusedIndexes.map((i) => i.columns.map((c) => c.column).join(','))
    expect(unused).toContain('owner')
    expect(unused).not.toContain('score')
    expect(advice.redundantIndexes.map((r) => [r.index.columns.length, r.coveredBy.columns.length])).toEqual([[1, 2]])
    expect(advice.redundantIndexes[0]!.index.columns[0]!.column).toBe('owner')
  })

  it('makes a partial index of a constant IS NULL filter, where the database has partial indexes', async () => {
    const openTickets = () => db.Ticket.filter({ queue: 'q3', closedAt: null }).orderBy('-createdAt').slice(0, 20)
    const ticketStore = join(dir, 'tickets.jsonl')
    const prof = profiler(db, { store: ticketStore })
    const app = prof.wrap(async () => Response.json((await openTickets().fetch()).length))
    for (let i = 0; i < 5; i++) await app(new Request('http://app/tickets'))
    await prof.close()
    const a = await advise(db, { from: ticketStore, minCalls: 5 })
    expect(a.proposals).toHaveLength(1)
    const p = a.proposals[0]!
    const partial = db.executor.backend('default').features.supportsPartialIndexes
    expect(p.modelLine).toBe(
      partial
        ? "indexes: [index(['queue', '-createdAt'], { where: { closedAt: null } })]"
        : "indexes: [index(['-createdAt'])]",
    )
    if (partial) expect(p.ddl).toMatch(/WHERE "closed_at" IS NULL$/)
    await db.execute(sql`${sql.unsafe(p.ddl)}`)
    if (b.vendor === 'postgres') await db.execute(sql`ANALYZE advise_ticket`)
    if (b.vendor === 'mysql') await db.query(sql`ANALYZE TABLE advise_ticket`)
    const plan = await openTickets().explain()
    expect(plan).toMatch(partial ? /advise_ticket_queue_created_at_pidx/ : /advise_ticket_created_at_idx/)
    expect(plan).not.toMatch(/TEMP B-TREE|Seq Scan|Sort {2}|filesort/)
  })

  it('once created, the proposal makes the query use the index, and advise proposes nothing more', async () => {
    const p = advice.proposals[0]!
    await db.execute(sql`${sql.unsafe(p.ddl)}`)
    if (b.vendor === 'postgres') await db.execute(sql`ANALYZE advise_event`)
    if (b.vendor === 'mysql') await db.query(sql`ANALYZE TABLE advise_event`)
    if (b.vendor === 'sqlite') await db.execute(sql`ANALYZE`)
    const plan = await page().explain()
    expect(plan).toContain(pageDdlName)
    expect(plan).not.toMatch(/TEMP B-TREE|Seq Scan|Sort {2}|filesort/)
    const again = await advise(db, { from: store, minCalls: 5 })
    expect(again.proposals).toEqual([])
    expect(again.served.length).toBeGreaterThanOrEqual(2)
  })
})
