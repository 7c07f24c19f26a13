/**
 * What importing a quarry entry point costs a process: heap used (after a forced GC), heap committed, RSS and time,
 * each in a fresh `node` process. Loading fewer modules also keeps V8's young generation small at start-up (bench
 * notes, sixth pass: W11).
 *
 *   npx node bench/micro/import-cost.ts [--rounds 3]
 */
import { execFileSync } from 'node:child_process'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'

const { values: opt } = parseArgs({ options: { rounds: { type: 'string', default: '3' } } })
const root = path.resolve(import.meta.dirname, '../..')
const entries = ['node:sqlite', 'src/index.ts', 'src/cache/index.ts']
const probe = `
  const t = performance.now()
  await import(process.argv[1])
  const ms = performance.now() - t
  globalThis.gc()
  const m = process.memoryUsage()
  console.log(JSON.stringify({ ms, heapUsed: m.heapUsed, heapTotal: m.heapTotal, rss: m.rss }))
`
const mb = (n: number) => (n / 1e6).toFixed(1)
for (const entry of entries) {
  const spec = entry.startsWith('node:') ? entry : pathToFileURL(path.join(root, entry)).href
  const runs = Array.from({ length: Number(opt.rounds) }, () =>
    JSON.parse(
      execFileSync(process.execPath, ['--expose-gc', '--input-type=module', '-e', probe, spec], { encoding: 'utf8' }),
    ),
  ) as { ms: number; heapUsed: number; heapTotal: number; rss: number }[]
  const med = (k: keyof (typeof runs)[number]) => runs.map((r) => r[k]).sort((a, b) => a - b)[runs.length >> 1]!
  console.log(
    `${entry.padEnd(20)} heap used ${mb(med('heapUsed'))} MB, committed ${mb(med('heapTotal'))} MB, RSS ${mb(med('rss'))} MB, ${med('ms').toFixed(0)} ms`,
  )
}
