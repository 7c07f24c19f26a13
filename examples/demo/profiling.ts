// The demo's last section: a few requests through the profiler, what it flagged, what `advise` proposes on the
// 100,000-post database, and the proposed index applied to show the query before and after.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { profiler } from '../../src/http/index.ts'
import { type Db, sql } from '../../src/index.ts'
import { advise } from '../../src/profiler/index-advisor.ts'
import { bold, cyan, dim, green, yellow } from './report.ts'
import type { schema } from './schema.ts'

type Blog = Db<typeof schema.$models>

export async function profilingSection(db: Blog): Promise<void> {
  console.log(bold('9. Profile regularly: three pages through the request profiler, then `quarry advise`'))
  const dir = mkdtempSync(join(tmpdir(), 'quarry-demo-'))
  const store = join(dir, 'profile.jsonl')
  const prof = profiler(db, { store, slowMs: 20 })
  const popular = () => db.Post.filter({ published: true }).orderBy('-views').slice(0, 20)
  const app = prof.wrap(async (req: Request) => {
    const path = new URL(req.url).pathname
    if (path === '/feed') {
      const lines: string[] = []
      for (const post of await db.Post.orderBy('-createdAt').slice(0, 20)) lines.push((await post.author)!.name)
      return new Response(lines.join('\n'))
    }
    if (path === '/authors') {
      const authors = await db.Author.orderBy('id').slice(0, 20).prefetchRelated('posts')
      return Response.json(authors.map((a) => a.name))
    }
    return Response.json((await popular()).map((p) => p.title))
  })
  for (const path of ['/feed', '/authors', '/popular', '/popular', '/popular', '/popular', '/popular'])
    await app(new Request(`http://demo${path}`))
  await prof.collector.settled()
  const seen = new Set<string>()
  for (const r of prof.collector.list().reverse()) {
    if (seen.has(r.url)) continue
    seen.add(r.url)
    const d = prof.collector.get(r.id)!
    console.log(`  ${cyan(`${d.method} ${d.url}`)}  ${d.queryCount} queries, ${d.durationMs.toFixed(1)} ms`)
    for (const rep of d.reports) console.log(`    ${yellow(`⚑ ${rep.message}`)}\n      ${green(`fix: ${rep.fix}`)}`)
    if (!d.reports.length) console.log(dim('    no flags'))
  }
  await prof.close()

  const advice = await advise(db, { from: store, minCalls: 5, slowMs: 20 })
  console.log(dim(`\n  npx quarry advise --from ${store.replace(`${dir}/`, '…/')}   (${advice.method})`))
  const p = advice.proposals[0]
  if (!p) {
    console.log('  advise proposed no index.\n')
    rmSync(dir, { recursive: true, force: true })
    return
  }
  console.log(`  ${bold(`${p.model}: add  ${p.modelLine}`)}   ${dim(p.gain)}`)
  const time = async () => {
    const runs: number[] = []
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now()
      await popular().fetch()
      runs.push(performance.now() - t0)
    }
    return runs.sort((a, b) => a - b)[2]!
  }
  const before = await time()
  const planBefore = await popular().explain()
  await db.execute(sql`${sql.unsafe(p.ddl)}`)
  const after = await time()
  const planAfter = await popular().explain()
  console.log(`  before: ${before.toFixed(1)} ms  ${dim(planBefore.replaceAll('\n', ' | '))}`)
  console.log(`  after:  ${after.toFixed(2)} ms  ${dim(planAfter.replaceAll('\n', ' | '))}`)
  console.log(`  ${green(`${(before / after).toFixed(0)}× faster`)} with the index (${dim(p.ddl)})\n`)
  rmSync(dir, { recursive: true, force: true })
}
