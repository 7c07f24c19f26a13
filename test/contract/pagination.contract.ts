import { beforeAll, expect, it } from 'vitest'
import {
  defineSchema,
  EmptyPage,
  F,
  f,
  InvalidCursor,
  InvalidValueError,
  index,
  model,
  PageNotAnInteger,
  Paginator,
} from '../../src/index.ts'
import type { PaginateArgs } from '../../src/query/pagination/keyset.ts'
import type { OrderBy } from '../../src/sql/expressions.ts'
import type { QueryState } from '../../src/sql/query-state.ts'
import { fastSelectShape } from '../../src/sql/resolve/fast-shape.ts'
import { assertNumQueries, captureQueries } from '../../src/testing/index.ts'
import { describeEachBackend } from '../support/backends.ts'

const Group = model('Group', { name: f.string({ maxLength: 20 }) })
/** Sort columns full of duplicates and NULLs, and a nullable relation to order across. */
const Entry = model('Entry', {
  rank: f.integer({ null: true }),
  label: f.string({ maxLength: 20 }),
  when: f.datetime({ null: true }),
  group: f.foreignKey('Group', { null: true, relatedName: 'entries', onDelete: 'setNull' }),
})
/** A table large enough that every planner prefers the (at, id) index for a keyset page. */
const Event = model(
  'Event',
  { at: f.integer(), kind: f.string({ maxLength: 10 }) },
  {
    indexes: [index(['at', 'id'], { name: 'event_at_id' })],
  },
)
const Unordered = model('Unordered', { n: f.integer() })
const schema = defineSchema({ Group, Entry, Event, Unordered })

const ENTRIES = 600
const EVENTS = 20_000

type Term = string | OrderBy

describeEachBackend('pagination', (b) => {
  let db: Awaited<ReturnType<typeof b.connect<typeof schema.$models>>>
  beforeAll(async () => {
    db = await b.connect(schema)
    const groups = await db.Group.bulkCreate(['b', 'a', 'c', 'a'].map((name) => ({ name })))
    const gids = (await db.Group.orderBy('id')).map((g) => g.id)
    expect(groups).toHaveLength(4)
    // Deterministic pseudo-random data: 7 rank values + NULL, 5 labels, 40% without a group, some NULL times.
    let x = 12345
    const rnd = (n: number) => {
      x = (x * 1103515245 + 12345) % 2147483648
      return x % n
    }
    await db.Entry.bulkCreate(
      Array.from({ length: ENTRIES }, () => {
        const r = rnd(8)
        const g = rnd(10)
        const w = rnd(6)
        return {
          rank: r === 7 ? null : r,
          label: ['ant', 'bee', 'cat', 'dog', 'eel'][rnd(5)]!,
          when: w === 0 ? null : new Date(Date.UTC(2026, 0, 1 + w)),
          group: g < 4 ? null : gids[g % 4]!,
        }
      }),
    )
    await db.Event.bulkCreate(Array.from({ length: EVENTS }, (_, i) => ({ at: i % 5000, kind: 'k' })))
    await db.Unordered.bulkCreate([{ n: 1 }, { n: 2 }, { n: 3 }])
  })

  /** The rows in the full order, as paginate() pages it: the terms, then the primary key. */
  const reference = async (terms: Term[], lastDesc: boolean) =>
    (await db.Entry.orderBy(...(terms as never[]), lastDesc ? '-id' : 'id').valuesList('id', {
      flat: true,
    })) as number[]

  const orderings: [string, Term[], boolean][] = [
    ['rank, label', ['rank', 'label'], false],
    ['-rank, label (mixed directions)', ['-rank', 'label'], false],
    ['when desc', ['-when'], true],
    ['rank nulls last, -label', [F('rank').asc({ nullsLast: true }), '-label'], true],
    ['-rank nulls first', [F('rank').desc({ nullsFirst: true })], true],
    ['group.name (across a nullable relation), -rank', ['group.name', '-rank'], true],
    ['-id', ['-id'], true],
  ]

  for (const [name, terms, lastDesc] of orderings)
    it(`keyset pages over ${name} return every row once, forward and backward, agreeing with offset pages`, async () => {
      const expected = await reference(terms, lastDesc)
      expect(expected).toHaveLength(ENTRIES)
      const qs = db.Entry.orderBy(...(terms as never[]))
      const size = 37
      // Forward.
      const forward: number[] = []
      let after: string | null = null
      let pages = 0
      for (;;) {
        const page = await assertNumQueries(db, 1, () => qs.paginate({ first: size, after }))
        const offsetPage = expected.slice(pages * size, (pages + 1) * size)
        expect(page.items.map((e) => e.id)).toEqual(offsetPage)
        expect(page.hasPreviousPage).toBe(pages > 0)
        forward.push(...page.items.map((e) => e.id))
        pages++
        if (!page.hasNextPage) break
        after = page.endCursor
        expect(pages).toBeLessThan(100)
      }
      expect(forward).toEqual(expected)
      // Backward from the end.
      const backward: number[] = []
      let before: string | null = null
      for (;;) {
        const page = await qs.paginate({ last: size, before })
        backward.unshift(...page.items.map((e) => e.id))
        if (!page.hasPreviousPage) break
        before = page.startCursor
      }
      expect(backward).toEqual(expected)
      // Backward from the middle: the page before a forward page's first item ends right before it.
      const mid = await qs.paginate({ first: size, after: (await qs.paginate({ first: 300 })).endCursor })
      const prev = await qs.paginate({ last: size, before: mid.startCursor })
      expect(prev.items.map((e) => e.id)).toEqual(expected.slice(300 - size, 300))
      expect(prev.hasNextPage).toBe(true)
    })

  it('every page has a LIMIT of first + 1; filter, selectRelated, prefetchRelated and only combine', async () => {
    const qs = db.Entry.filter({ label: { in: ['ant', 'cat'] } })
      .selectRelated('group')
      .only('label', 'rank', 'group.name')
      .orderBy('-rank')
    const expected = (await db.Entry.filter({ label: { in: ['ant', 'cat'] } })
      .orderBy('-rank', '-id')
      .valuesList('id', { flat: true })) as number[]
    const seen: number[] = []
    let after: string | null = null
    const queries = await captureQueries(db, async () => {
      for (;;) {
        const page = await qs.paginate({ first: 50, after })
        for (const e of page.items) {
          expect(['ant', 'cat']).toContain(e.label)
          if (e.group) expect(typeof e.group.name).toBe('string')
        }
        seen.push(...page.items.map((e) => e.id))
        if (!page.hasNextPage) break
        after = page.endCursor
      }
    })
    expect(seen).toEqual(expected)
    for (const q of queries) expect(q.sql).toMatch(/LIMIT/)
    const withGroups = await assertNumQueries(db, 2, () =>
      db.Group.prefetchRelated('entries').orderBy('name').paginate({ first: 3 }),
    )
    expect(withGroups.items.map((g) => g.name)).toEqual(['a', 'a', 'b'])
    expect(withGroups.items.reduce((n, g) => n + g.entries.length, 0)).toBeGreaterThan(0)
  })

  it('an ordering that ends in a unique field is used as it is; without one the primary key is added', async () => {
    const q1 = await captureQueries(db, () => db.Entry.orderBy('-id').paginate({ first: 5 }))
    expect(q1[0]!.sql).not.toMatch(/id.{1,4}DESC, .*id.{1,4}DESC/)
    const q2 = await captureQueries(db, () => db.Entry.orderBy('label').paginate({ first: 5 }))
    expect(q2[0]!.sql).toMatch(/ORDER BY .*label.* ASC, .*id.* ASC/)
  })

  it('tampered, foreign and stale cursors are refused with InvalidCursor saying why', async () => {
    const page = await db.Entry.orderBy('rank', 'label').paginate({ first: 10 })
    const cursor = page.endCursor!
    const json = JSON.parse(Buffer.from(cursor, 'base64url').toString())
    json.k[0] = typeof json.k[0] === 'number' ? json.k[0] + 1 : 3
    const edited = Buffer.from(JSON.stringify(json)).toString('base64url')
    const wrongType = Buffer.from(JSON.stringify({ ...json, k: ['x', 'y', 'z'] })).toString('base64url')
    const qs = db.Entry.orderBy('rank', 'label')
    await expect(qs.paginate({ first: 10, after: edited })).rejects.toThrow(/checksum/)
    await expect(qs.paginate({ first: 10, after: wrongType })).rejects.toThrow(InvalidCursor)
    await expect(qs.paginate({ first: 10, after: `${cursor.slice(0, -3)}` })).rejects.toThrow(InvalidCursor)
    await expect(qs.paginate({ first: 10, after: 'not a cursor!' })).rejects.toThrow(/not a cursor/)
    await expect(qs.paginate({ first: 10, after: 'abc' })).rejects.toThrow(InvalidCursor)
    // Stale: same model, another ordering. Foreign: another model.
    await expect(db.Entry.orderBy('-rank', 'label').paginate({ first: 10, after: cursor })).rejects.toThrow(
      /another model or ordering/,
    )
    const event = await db.Event.orderBy('at').paginate({ first: 1 })
    await expect(qs.paginate({ first: 10, after: event.endCursor })).rejects.toThrow(/another model or ordering/)
    // Bad arguments.
    await expect(qs.paginate({ first: 0 })).rejects.toThrow(InvalidValueError)
    await expect(qs.paginate({ first: 5, last: 5 })).rejects.toThrow(InvalidValueError)
    await expect(qs.slice(0, 5).paginate({ first: 5 })).rejects.toThrow(/sliced/)
  })

  it('EXPLAIN shows the keyset page using the (at, id) index', async () => {
    const qs = db.Event.orderBy('-at', '-id')
    const start = await qs.paginate({ first: 20, after: (await qs.paginate({ first: 12_000 })).endCursor })
    expect(start.items).toHaveLength(20)
    const plan = await qs.keysetQuery({ first: 20, after: start.endCursor }).explain()
    const sql = (await captureQueries(db, () => qs.paginate({ first: 20, after: start.endCursor })))[0]!.sql
    const features = db.executor.backend('default').features
    if (features.canUseIndexForRowValueComparison) expect(sql).toMatch(/\(.*at.*, .*id.*\) < \(/)
    else expect(sql).toMatch(/<= .* AND \(.* < .* OR \(.* = .* AND .* < .*\)\)/)
    expect(plan).toMatch(/event_at_id/)
    // The bound is an index range, not a filter over a full index scan: SQLite `SEARCH … USING INDEX event_at_id
    // (at<?)`, PostgreSQL `Index Cond: (ROW(at, id) < ROW(…))`, MariaDB access type `range` on event_at_id.
    expect(plan).toMatch(
      /SEARCH \S+ USING (COVERING )?INDEX event_at_id \(at<\?\)|Index Cond: \(ROW\(at, id\) <|\brange\b.*event_at_id/,
    )
    // Not a full scan plus sort.
    expect(plan).not.toMatch(/USE TEMP B-TREE FOR ORDER BY|Seq Scan|filesort/i)
  })

  it('keyset pages after the first take the fast shape key, in the row and the expanded form', async () => {
    // The suite runs with QUARRY_CHECK_SHAPES=1: every fast-key hit is also built in full and must prepare the same
    // statement with the same values, so the walks above check the parameters' order; this checks the hits happen.
    const backend = db.executor.backend('default')
    const hits = async (qs: { keysetQuery: (a: PaginateArgs) => { state: QueryState } }, args: PaginateArgs) => {
      const key = fastSelectShape(qs.keysetQuery(args).state, {})?.key
      return key !== undefined && db.runner.prepared.fast(backend, key) !== undefined ? key : undefined
    }
    // (at, id) descending, a filter before the bounds: a row value comparison where the backend ranges on one.
    const events = db.Event.filter({ kind: 'k' }).orderBy('-at')
    let after = (await events.paginate({ first: 7 })).endCursor
    for (let i = 0; i < 3; i++) after = (await events.paginate({ first: 7, after })).endCursor
    expect(await hits(events, { first: 7, after })).toMatch(/\|Kvv\/-\|-at,-pk,\|W\(kind,\)L$/)
    // when is nullable: the expanded form; a cursor whose when is NULL is another key ('n'), its pages fast too.
    const entries = db.Entry.orderBy('-when')
    const byKey = new Map<string, number>()
    let cursor: string | null = null
    for (let i = 0; i < 30; i++) {
      const page: { endCursor: string | null; hasNextPage: boolean } = await entries.paginate({
        first: 30,
        after: cursor,
      })
      if (!page.hasNextPage) break
      cursor = page.endCursor
      const key = await hits(entries, { first: 30, after: cursor })
      if (key) byKey.set(key.replace(/.*\|K/, 'K').replace(/\|.*/, ''), i)
    }
    expect([...byKey.keys()].sort()).toEqual(['Knv/-', 'Kvv/-'])
    // Backward pages carry the bound as `before` after reversing: a key of their own.
    const back = await entries.paginate({ last: 30, before: cursor })
    await entries.paginate({ last: 30, before: back.startCursor })
    expect(await hits(entries, { last: 30, before: back.startCursor })).toBeDefined()
    // NULLS FIRST/LAST orderings take the full build.
    const nullsLast = db.Entry.orderBy(F('rank').asc({ nullsLast: true }) as never)
    const p = await nullsLast.paginate({ first: 5 })
    expect(fastSelectShape(nullsLast.keysetQuery({ first: 5, after: p.endCursor }).state, {})).toBeNull()
  })

  it("a page's cursors: read when first asked, from the rows as fetched, and serialized with the page", async () => {
    const qs = db.Entry.orderBy('label')
    const page = await qs.paginate({ first: 5 })
    const fresh = await qs.paginate({ first: 5 })
    // Changing an item, or the items array, after the fetch does not move a cursor not yet read.
    page.items[4]!.label = 'zzz'
    page.items.reverse()
    expect(page.endCursor).toBe(fresh.endCursor)
    expect(page.startCursor).toBe(fresh.startCursor)
    const json = JSON.parse(JSON.stringify(fresh))
    expect(json.endCursor).toBe(fresh.endCursor)
    expect({ ...fresh }.startCursor).toBe(fresh.startCursor)
    const next = await qs.paginate({ first: 5, after: json.endCursor })
    const ids = (await db.Entry.orderBy('label', 'id').valuesList('id', { flat: true })) as number[]
    expect(next.items.map((e) => e.id)).toEqual(ids.slice(5, 10))
    const empty = await qs.filter({ id: -1 }).paginate({ first: 5 })
    expect([empty.startCursor, empty.endCursor, JSON.parse(JSON.stringify(empty)).endCursor]).toEqual([
      null,
      null,
      null,
    ])
  })

  it('Paginator: Django semantics for pages, orphans, counts and errors', async () => {
    const qs = db.Entry.orderBy('id')
    const ids = (await qs.valuesList('id', { flat: true })) as number[]
    const paginator = new Paginator(qs, { perPage: 25, orphans: 5 })
    const first = await captureQueries(db, () => paginator.page(1))
    expect(first.map((q) => q.sql.split(' ')[0])).toEqual(['SELECT', 'SELECT']) // COUNT, then the page
    const p1 = await assertNumQueries(db, 1, () => paginator.page(1)) // count is remembered
    expect(p1.items.map((e) => e.id)).toEqual(ids.slice(0, 25))
    expect(await paginator.count()).toBe(ENTRIES)
    // 600 items, 25 a page, orphans 5: 24 pages (the last one 25 long).
    expect(await paginator.numPages()).toBe(24)
    const last = await paginator.page('24')
    expect(last.items.map((e) => e.id)).toEqual(ids.slice(575))
    expect([last.hasNext, last.hasPrevious, last.startIndex, last.endIndex]).toEqual([false, true, 576, 600])
    expect([p1.hasNext, p1.hasPrevious, p1.startIndex, p1.endIndex, p1.nextPageNumber]).toEqual([true, false, 1, 25, 2])
    await expect(paginator.page(25)).rejects.toThrow(EmptyPage)
    await expect(paginator.page(0)).rejects.toThrow(EmptyPage)
    await expect(paginator.page('abc')).rejects.toThrow(PageNotAnInteger)
    await expect(paginator.page(1.5)).rejects.toThrow(PageNotAnInteger)
    expect((await paginator.getPage('abc')).number).toBe(1)
    expect((await paginator.getPage(99)).number).toBe(24)
    expect(paginator.elidedPageRange(10, { onEachSide: 3, onEnds: 2 })).toEqual([
      1,
      2,
      '…',
      7,
      8,
      9,
      10,
      11,
      12,
      13,
      '…',
      23,
      24,
    ])
    expect(paginator.elidedPageRange(2, { onEachSide: 1, onEnds: 1 })).toEqual([1, 2, 3, '…', 24])
    // Orphans: 31 items, 10 a page, orphans 1 → 3 pages, the last holding 11.
    const small = new Paginator(qs.slice(0, 31), { perPage: 10, orphans: 1 })
    expect(await small.numPages()).toBe(3)
    expect((await small.page(3)).items).toHaveLength(11)
    // Empty lists.
    const empty = new Paginator(db.Entry.filter({ label: 'none' }).orderBy('id'), { perPage: 10 })
    expect((await empty.page(1)).items).toEqual([])
    expect((await empty.page(1)).startIndex).toBe(0)
    const strict = new Paginator(db.Entry.filter({ label: 'none' }).orderBy('id'), {
      perPage: 10,
      allowEmptyFirstPage: false,
    })
    await expect(strict.page(1)).rejects.toThrow(EmptyPage)
    // Arrays page too.
    const arr = new Paginator([1, 2, 3, 4, 5], { perPage: 2 })
    expect((await arr.page(3)).items).toEqual([5])
  })

  it('Paginator warns about an unordered QuerySet', async () => {
    const warnings: Error[] = []
    const listener = (w: Error) => warnings.push(w)
    process.on('warning', listener)
    try {
      new Paginator(db.Unordered.all(), { perPage: 2 })
      new Paginator(db.Unordered.orderBy('n'), { perPage: 2 })
      await new Promise((r) => setImmediate(r))
    } finally {
      process.off('warning', listener)
    }
    expect(warnings.map((w) => w.name)).toEqual(['UnorderedObjectListWarning'])
    expect(() => new Paginator([], { perPage: 0 })).toThrow(InvalidValueError)
  })
})
