/**
 * W10 (BENCHMARKS.md): HTTP GET of a page listing 50 posts (with authors), served by Express 5, Fastify 5 and
 * Hono 4 (on @hono/node-server): the framework's hello-world, the page rendered on every request (miss), and the
 * page from `cachePage` (hit). Requests per second with autocannon, and the server process's CPU time per request
 * (from /proc; disturbed least by other jobs on a shared machine); each server is its own process, the load
 * generator another. Modes are interleaved per round; medians of the rounds.
 *
 *   npx node bench/cache/w10.ts [--rounds 3] [--seconds 5] [--connections 10] [--only express,hono]
 */
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
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

/**
 * The server process's CPU time so far (user + system, ms), from /proc: its CPU per request is what the load of
 * other processes on this shared machine disturbs least (requests/s falls with every other job's load).
 */
function serverCpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS
}
const TICKS = 100 // sysconf(_SC_CLK_TCK) on Linux

async function measure(framework: string, mode: string): Promise<{ rps: number; cpuUsPerRequest: number }> {
  const child = spawn(process.execPath, [path.join(here, 'w10-server.ts'), framework, mode, file], {
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  try {
    const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]()
    const port = Number((await lines.next()).value)
    const url = `http://127.0.0.1:${port}/`
    await autocannon({ url, connections: Number(opt.connections), duration: 2 }) // warm-up: JIT, and for hit the first miss
    const cpu0 = serverCpuMs(child.pid!)
    const r = await autocannon({ url, connections: Number(opt.connections), duration: Number(opt.seconds) })
    const cpu = serverCpuMs(child.pid!) - cpu0
    if (r.non2xx || r.errors) throw new Error(`${framework} ${mode}: ${r.non2xx} non-2xx, ${r.errors} errors`)
    return { rps: r.requests.average, cpuUsPerRequest: (cpu * 1000) / r.requests.total }
  } finally {
    child.kill()
  }
}

const frameworks = opt.only.split(',')
// 'static-headers': the page as a constant with the five headers a hit adds (Cache-Control, Expires, ETag, X-Cache,
// Age): what a hit's bytes and headers cost with no lookup, the ceiling of a hit on that framework.
const modes = ['hello', 'static', 'static-headers', 'miss', 'hit'] as const
// Hono also as one handler, `cachePage.hono(options, handler)`: Hono runs a route of one handler without `compose`.
const modesOf = (f: string) => (f === 'hono' ? [...modes, 'hit-handler'] : modes)
const results: Record<string, Record<string, number[]>> = {}
const cpu: Record<string, Record<string, number[]>> = {}
for (let round = 0; round < Number(opt.rounds); round++)
  for (const f of frameworks)
    for (const m of modesOf(f)) {
      results[f] ??= {}
      cpu[f] ??= {}
      const r = await measure(f, m)
      ;(results[f]![m] ??= []).push(r.rps)
      ;(cpu[f]![m] ??= []).push(r.cpuUsPerRequest)
    }
rmSync(dir, { recursive: true, force: true })

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
const rows = frameworks.map((f) => {
  const [hello, stat, floor, miss, hit] = modes.map((m) => median(results[f]![m]!))
  const [cHello, , cFloor, cMiss, cHit] = modes.map((m) => median(cpu[f]![m]!))
  const handlerHit = results[f]!['hit-handler'] ? median(results[f]!['hit-handler']!) : undefined
  const perRound = (a: number[], b: number[]) => a.map((x, i) => Number((x / b[i]!).toFixed(2)))
  return {
    framework: f,
    helloRps: Math.round(hello!),
    staticRps: Math.round(stat!),
    staticWithHitHeadersRps: Math.round(floor!),
    missRps: Math.round(miss!),
    hitRps: Math.round(hit!),
    hitVsHello: Number((hit! / hello!).toFixed(2)),
    hitVsStatic: Number((hit! / stat!).toFixed(2)),
    /** The ceiling a hit can reach (its bytes and headers, no lookup), ÷ hello-world. */
    floorVsHello: Number((floor! / hello!).toFixed(2)),
    hitVsFloor: Number((hit! / floor!).toFixed(2)),
    hitVsMiss: Number((hit! / miss!).toFixed(1)),
    /** Hono only: the hit through `cachePage.hono(options, handler)` (one handler), ÷ hello-world. */
    ...(handlerHit !== undefined && {
      handlerHitRps: Math.round(handlerHit),
      handlerHitVsHello: Number((handlerHit / hello!).toFixed(2)),
      handlerHitVsHelloPerRound: perRound(results[f]!['hit-handler']!, results[f]!.hello!),
      handlerHitCpuUsPerRequest: Number(median(cpu[f]!['hit-handler']!).toFixed(1)),
    }),
    // The same ratio within each round (hello and hit measured minutes apart at most): its spread is the noise.
    hitVsHelloPerRound: perRound(results[f]!.hit!, results[f]!.hello!),
    // Server CPU per request (µs): the throughput a server with a core of its own would reach is its inverse.
    cpuUsPerRequest: {
      hello: Number(cHello!.toFixed(1)),
      staticWithHitHeaders: Number(cFloor!.toFixed(1)),
      miss: Number(cMiss!.toFixed(1)),
      hit: Number(cHit!.toFixed(1)),
    },
    cpuHelloOverHit: Number((cHello! / cHit!).toFixed(2)),
    cpuHelloOverHitPerRound: perRound(cpu[f]!.hello!, cpu[f]!.hit!),
  }
})
console.log('W10: GET of a 50-post page, requests/s (autocannon, median of rounds)\n')
console.log(
  "| framework | hello-world | same page as a constant | constant + a hit's headers (÷ hello) | page, no cache | page, cachePage hit | hit / hello (target ≥ 0.8) | per round | hit / constant | hit / constant + headers | hit / miss | server CPU µs/request: hello, constant + headers, miss, hit | CPU: hello / hit (per round) |",
)
console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|')
for (const r of rows)
  console.log(
    `| ${r.framework} | ${r.helloRps} | ${r.staticRps} | ${r.staticWithHitHeadersRps} (${r.floorVsHello}×) | ${r.missRps} | ${r.hitRps} | ${r.hitVsHello}× | ${r.hitVsHelloPerRound.join(', ')} | ${r.hitVsStatic}× | ${r.hitVsFloor}× | ${r.hitVsMiss}× | ${r.cpuUsPerRequest.hello}, ${r.cpuUsPerRequest.staticWithHitHeaders}, ${r.cpuUsPerRequest.miss}, ${r.cpuUsPerRequest.hit} | ${r.cpuHelloOverHit}× (${r.cpuHelloOverHitPerRound.join(', ')}) |`,
  )
for (const r of rows)
  if (r.handlerHitRps !== undefined)
    console.log(
      `\n${r.framework}, cachePage as one handler (\`cachePage.hono(options, handler)\`): ${r.handlerHitRps} requests/s, ${r.handlerHitVsHello}× hello-world (per round ${r.handlerHitVsHelloPerRound!.join(', ')}); server CPU ${r.handlerHitCpuUsPerRequest} µs/request`,
    )
if (!opt['no-write'])
  console.log(
    `\n${writeResults(root, 'cache-w10', { git: gitInfo(root), machine: machineInfo(), options: opt, results: rows })}`,
  )
