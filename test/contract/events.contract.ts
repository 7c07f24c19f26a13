// Issue 9, item 12: query events are plain, serialisable data, and a listener that throws is reported once and
// never takes the process down.
import { beforeAll, expect, it } from 'vitest'
import { captureQueries } from '../../src/testing/index.ts'
import { describeEachBackend } from '../support/backends.ts'
import { blogSchema } from '../support/blog-schema.ts'

const DOCUMENTED = [
  'sql',
  'durationMs',
  'rowCount',
  'callSite',
  'alias',
  'vendor',
  'kind',
  'tables',
  'model',
  'shapeKey',
  'contextId',
  'error',
]

describeEachBackend('query events', (b) => {
  let db: Awaited<ReturnType<typeof b.connect<typeof blogSchema.$models>>>
  beforeAll(async () => {
    db = await b.connect(blogSchema)
    await db.Author.create({ name: 'e' })
  })

  it('JSON.stringify(event) works and gives the documented fields', async () => {
    const events = await captureQueries(db, async () => {
      await db.Author.count()
      await db.Author.get({ name: 'missing' }).catch(() => {})
      await db.Author.create({ name: null as unknown as string }).catch(() => {})
    })
    expect(events.length).toBe(3)
    for (const e of events) {
      const json = JSON.parse(JSON.stringify(e)) as Record<string, unknown>
      for (const key of Object.keys(json)) expect(DOCUMENTED).toContain(key)
      expect(json.sql).toBe(e.sql)
      expect(structuredClone(e)).toEqual(json)
    }
    const failed = JSON.parse(JSON.stringify(events[2])) as { error: { name: string; code: string; message: string } }
    expect(failed.error.code).toBe('INTEGRITY_ERROR')
    expect(failed.error.name).toBe('IntegrityError')
    expect(failed.error.message).toMatch(/null|NULL/)
  })

  it('a listener that throws is reported once and never fatal; other listeners and queries go on', async () => {
    const warnings: string[] = []
    const onWarning = (w: Error) => warnings.push(`${w.name}: ${w.message}`)
    process.on('warning', onWarning)
    const seen: string[] = []
    const stopBad = db.on('query', () => {
      throw new Error('listener bug')
    })
    const stopGood = db.on('query', (e) => seen.push(e.sql))
    try {
      for (let i = 0; i < 3; i++) expect(await db.Author.count()).toBe(1)
      await db.atomic(() => db.Author.filter({ name: 'e' }).update({ name: 'e' }))
      await new Promise((r) => setTimeout(r, 50))
    } finally {
      stopBad()
      stopGood()
      process.off('warning', onWarning)
    }
    expect(seen.length).toBeGreaterThanOrEqual(6)
    const ours = warnings.filter((w) => w.includes('listener bug'))
    expect(ours).toHaveLength(1)
    expect(ours[0]).toMatch(/db\.on\('query'\) listener threw/)
  })
})
