/**
 * W10 (BENCHMARKS.md): HTTP GET of a page listing 50 posts (with authors), served by Express 5, Fastify 5 and
 * Hono 4 (on @hono/node-server): the framework's hello-world, the page rendered on every request (miss), and the
 * page from `cachePage` (hit). Requests per second with autocannon; each server is its own process, the load
 * generator another. Modes are interleaved per round; medians of the rounds.
 *
 *   npx node bench/cache/w10.ts [--rounds 3] [--seconds 5] [--connections 10] [--only express,hono]
 */
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import autocannon from 'autocannon'
import { buildDatabase } from '../micro/seed.ts'
import { gitInfo, machineInfo, writeResults } from '../shared/results.ts'

const { values: opt } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    seconds: { type: 'string', default: '5' },
    connections: { type: 'string', default: '10' },
    only: { type: 'string', default: 'express,fastify,hono' },
    'no-write': { type: 'boolean', default: false },
  },
})
const here = path.dirname(fileURLToPath(import.meta.url))
const root = path.resolve(here, '../..')
const dir = mkdtempSync(path.join(os.tmpdir(), 'quarry-w10-'))
const file = path.join(dir, 'blog.db')
await buildDatabase(file, { seed: 42, authors: 1000, posts: 20_000, tags: 200 })

async function measure(framework: string, mode: string): Promise<number> {
  const child = spawn(process.execPath, [path.join(here, 'w10-server.ts'), framework, mode, file], {
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  try {
    const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]()
    const port = Number((await lines.next()).value)
    const url = `http://127.0.0.1:${port}/`
    await autocannon({ url, connections: Number(opt.connections), duration: 2 }) // warm-up: JIT, and for hit the first miss
    const r = await autocannon({ url, connections: Number(opt.connections), duration: Number(opt.seconds) })
    if (r.non2xx || r.errors) throw new Error(`${framework} ${mode}: ${r.non2xx} non-2xx, ${r.errors} errors`)
    return r.requests.average
  } finally {
    child.kill()
  }
}

const frameworks = opt.only.split(',')
const modes = ['hello', 'static', 'miss', 'hit'] as const
const results: Record<string, Record<string, number[]>> = {}
for (let round = 0; round < Number(opt.rounds); round++)
  for (const f of frameworks)
    for (const m of modes) {
      results[f] ??= {}
      ;(results[f]![m] ??= []).push(await measure(f, m))
    }
rmSync(dir, { recursive: true, force: true })

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
const rows = frameworks.map((f) => {
  const [hello, stat, miss, hit] = modes.map((m) => median(results[f]![m]!))
  return {
    framework: f,
    helloRps: Math.round(hello!),
    staticRps: Math.round(stat!),
    missRps: Math.round(miss!),
    hitRps: Math.round(hit!),
    hitVsHello: Number((hit! / hello!).toFixed(2)),
    hitVsStatic: Number((hit! / stat!).toFixed(2)),
    hitVsMiss: Number((hit! / miss!).toFixed(1)),
  }
})
console.log('W10: GET of a 50-post page, requests/s (autocannon, median of rounds)\n')
console.log(
  '| framework | hello-world | same page as a constant | page, no cache | page, cachePage hit | hit / hello (target ≥ 0.8) | hit / constant | hit / miss |',
)
console.log('|---|---|---|---|---|---|---|---|')
for (const r of rows)
  console.log(
    `| ${r.framework} | ${r.helloRps} | ${r.staticRps} | ${r.missRps} | ${r.hitRps} | ${r.hitVsHello}× | ${r.hitVsStatic}× | ${r.hitVsMiss}× |`,
  )
if (!opt['no-write'])
  console.log(
    `\n${writeResults(root, 'cache-w10', { git: gitInfo(root), machine: machineInfo(), options: opt, results: rows })}`,
  )
