// Run by fast-key-check.test.ts in a process without QUARRY_CHECK_SHAPES (production behaviour): plants a fast
// key that names the wrong statement and reports what a query then returns and what was warned.
import { connect } from '../../../../src/index.ts'
import { fastSelectShape } from '../../../../src/sql/resolve/fast-shape.ts'
import { blogSchema } from '../../../support/blog-schema.ts'

const warnings: string[] = []
process.on('warning', (w) => {
  if ((w as { code?: string }).code === 'QUARRY_SHAPE_MISMATCH') warnings.push(w.message)
})
const db = await connect('sqlite::memory:', blogSchema)
await db.createTables()
const a = await db.Author.create({ name: 'A' })
await db.Post.create({ title: 'one', author: a, views: 1 })
await db.Post.create({ title: 'two', author: a, views: 2 })

// Prepare two simple shapes, then make the first's fast key point at the second's statement.
const byTitle = db.Post.filter({ title: 'one' }).values('title')
const byBody = db.Post.filter({ body: 'x' }).values('title')
await byTitle
await byBody
const backend = db.executor.backend('default')
const key = (qs: typeof byTitle) => fastSelectShape(qs.state, {})!.key
const victim = db.runner.prepared.fast(backend, key(byTitle))!
const wrong = db.runner.prepared.fast(backend, key(byBody))!
;(victim as { prepared: unknown }).prepared = wrong.prepared
victim.checked = true // as if checked once already: only the 1-in-1,024 sample can catch it now

const results: unknown[] = []
for (let i = 0; i < 1100; i++) results.push(await db.Post.filter({ title: 'one' }).values('title'))
await new Promise((r) => setImmediate(r)) // warnings are delivered on a later tick
const wrongRows = results.filter((r) => JSON.stringify(r) !== JSON.stringify([{ title: 'one' }])).length
console.log(
  JSON.stringify({
    wrongRows,
    lastRows: results.at(-1),
    warnings,
    dropped: db.runner.prepared.fast(backend, key(byTitle)) === undefined,
  }),
)
await db.close()
