/**
 * docs/benchmarks.md and its charts (docs/benchmarks-<backend>.svg) from the newest results in bench/results/
 * (a full run preferred over a --quick one of the same day). Run by bench/run.ts; alone: node bench/report.ts
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { WRITE_ROWS, workloadById } from './lib/workloads.ts'

interface Cell {
  median?: number
  p10?: number
  p90?: number
  n?: number
  maxRssMb?: number
  cpuMedian?: number
  perRound?: number[]
  na?: string
  skip?: boolean
}
interface WorkloadResult {
  /** Posts of the data set it read, where not the run's own (a workload carried over from an earlier run). */
  posts?: number
  id: string
  title: string
  notBuilt?: string
  backendNa?: string
  target?: number
  systems: Record<string, Cell>
}
interface Results {
  /** How a file was put together, when not from one run (shown under its header). */
  note?: string
  date: string
  backend: string
  quick: boolean
  rounds: number
  machine: Record<string, unknown>
  versions: Record<string, string>
  git: { commit?: string; dirty?: boolean }
  load: { before: number[]; during: number[][]; after: number[] }
  data: Record<string, unknown>
  reference: string
  workloads: WorkloadResult[]
  systems: { id: string; label: string; raw: boolean; quarry: boolean }[]
}

/** Targets of BENCHMARKS.md that are not a quarry / raw ratio of the same workload (the Targets section checks them). */
const TARGET_NOTE: Record<string, string> = {
  W6: '≥ 0.8× raw throughput (≤ 1.25× its time); ≥ 20× the create() loop per row',
  'W6-loop': '(W6 ≥ 20× this, per row)',
  W7: 'one statement per batch; ≥ 5× a save() loop (bench:bulk)',
  'W8-offset': '(keyset ≥ 20× faster)',
  'W8-keyset': '≥ 20× faster than OFFSET',
  W9: '≥ 20× faster than uncached W1 (raw column: raw W1, uncached)',
}

const BACKEND_NAMES: Record<string, string> = { sqlite: 'SQLite (file, WAL)', postgres: 'PostgreSQL (loopback)' }
const QUARRY = 'quarry'
const QUARRY_OFF = 'quarry-n1-off'

function latest(dir: string): Results[] {
  const files = readdirSync(dir).filter((f) => /^\d{4}-\d{2}-\d{2}-\w+(-quick)?\.json$/.test(f))
  const byBackend = new Map<string, { file: string; key: string }>()
  for (const f of files) {
    const [, date, backend, quick] = /^(\d{4}-\d{2}-\d{2})-(\w+?)(-quick)?\.json$/.exec(f)!
    const key = `${date}${quick ? '0' : '1'}`
    const prev = byBackend.get(backend!)
    if (!prev || key > prev.key) byBackend.set(backend!, { file: f, key })
  }
  return ['sqlite', 'postgres']
    .filter((b) => byBackend.has(b))
    .map((b) => JSON.parse(readFileSync(path.join(dir, byBackend.get(b)!.file), 'utf8')) as Results)
}

const ms = (x: number) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2))
const ratio = (x: number) => (x >= 10 ? x.toFixed(0) : x.toFixed(2))

/**
 * What ratios are taken of. SQLite runs in-process, so a run's CPU time is nearly all its work and moves far
 * less than wall time on a shared machine; a PostgreSQL run's CPU time leaves out the server, so wall time.
 */
function basisOf(r: Results): 'cpu' | 'wall' {
  return r.backend === 'sqlite' ? 'cpu' : 'wall'
}
function val(r: Results, c: Cell | undefined): number | undefined {
  if (!c) return undefined
  return basisOf(r) === 'cpu' && c.cpuMedian !== undefined ? c.cpuMedian : c.median
}
const BASIS_TEXT = { cpu: 'CPU time', wall: 'wall time' }

/** The fastest peer (not raw, not quarry) with a median for this workload. */
function bestPeer(r: Results, w: WorkloadResult): { id: string; median: number } | undefined {
  let best: { id: string; median: number } | undefined
  for (const s of r.systems) {
    if (s.raw || s.quarry) continue
    const c = w.systems[s.id]
    const v = val(r, c)
    if (v !== undefined && (!best || v < best.median)) best = { id: s.id, median: v }
  }
  return best
}

/** What a workload's ratios divide by: the reference raw driver's median, or for W9 (raw has no cache) raw's W1. */
function rawBase(r: Results, w: WorkloadResult): number | undefined {
  const own = val(r, w.systems[r.reference])
  if (own !== undefined) return own
  const as = workloadById.get(w.id as never)?.checkAs
  return as ? val(r, r.workloads.find((x) => x.id === as)?.systems[r.reference]) : undefined
}

function find(r: Results, id: string): WorkloadResult | undefined {
  return r.workloads.find((w) => w.id === id)
}

function label(r: Results, id: string): string {
  return r.systems.find((s) => s.id === id)?.label ?? id
}

function mainTable(r: Results, notes: string[]): string[] {
  const shown = r.workloads.filter((w) => !w.notBuilt && !w.backendNa)
  const out = [`| system | ${shown.map((w) => w.id).join(' | ')} |`, `|---|${shown.map(() => '---|').join('')}`]
  for (const s of r.systems) {
    const cells = shown.map((w) => {
      const c = w.systems[s.id]
      if (!c || c.skip) return ''
      if (c.median === undefined) {
        const reason = c.na ?? 'not run'
        let n = notes.indexOf(reason)
        if (n < 0) n = notes.push(reason) - 1
        return `n/a [${n + 1}]`
      }
      const raw = rawBase(r, w)
      const v = val(r, c)!
      const rel = raw ? ` (${ratio(v / raw)}×)` : ''
      const text = `${ms(v)}${rel}`
      return s.quarry && s.id === QUARRY ? `**${text}**` : text
    })
    out.push(`| ${s.label} | ${cells.join(' | ')} |`)
  }
  return out
}

function quarryTable(r: Results): string[] {
  const out = [
    `| workload | raw, wall ms | quarry (defaults) | quarry, detector off | quarry / raw, wall | quarry / raw, CPU | best peer (${BASIS_TEXT[basisOf(r)]}, ms) | quarry / best peer | target (quarry / raw, ${BASIS_TEXT[basisOf(r)]}) |`,
    '|---|---|---|---|---|---|---|---|---|',
  ]
  for (const w of r.workloads) {
    if (w.notBuilt) {
      out.push(
        `| ${w.id} ${w.title} | n/a: not in the peer table yet (${workloadById.get(w.id as never)?.notBuilt ?? w.notBuilt}) | | | | | | | |`,
      )
      continue
    }
    if (w.backendNa) continue
    const as = workloadById.get(w.id as never)?.checkAs
    const raw =
      w.systems[r.reference]?.median !== undefined || !as ? w.systems[r.reference] : find(r, as)?.systems[r.reference]
    const q = w.systems[QUARRY]
    const off = w.systems[QUARRY_OFF]
    const best = bestPeer(r, w)
    const spread = (c?: Cell) => (c?.median === undefined ? `n/a` : `${ms(c.median)} (${ms(c.p10!)}–${ms(c.p90!)})`)
    const qr = q?.median !== undefined && raw?.median ? q.median / raw.median : undefined
    const qc = q?.cpuMedian !== undefined && raw?.cpuMedian ? q.cpuMedian / raw.cpuMedian : undefined
    const qv = val(r, q)
    const qb = qv !== undefined && best ? qv / best.median : undefined
    const qt = basisOf(r) === 'cpu' ? qc : qr
    const target = w.target
      ? `≤ ${w.target}× ${qt === undefined ? '' : qt <= w.target ? 'met' : '**missed**'}`
      : (TARGET_NOTE[w.id] ?? '')
    out.push(
      `| ${w.id} ${w.title} | ${spread(raw)} | ${spread(q)} | ${spread(off)} | ${qr === undefined ? '' : `${ratio(qr)}×`} | ` +
        `${qc === undefined ? '' : `${ratio(qc)}×`} | ` +
        `${best ? `${label(r, best.id)} ${ms(best.median)}` : 'none'} | ${qb === undefined ? '' : `${ratio(qb)}×${qb <= 1 ? '' : ' (slower)'}`} | ${target} |`,
    )
  }
  return out
}

function w3Section(r: Results): string[] {
  const w1 = r.workloads.find((w) => w.id === 'W1')!
  const w3 = r.workloads.find((w) => w.id === 'W3')!
  const speedup = (naive: string, fixed: string) => {
    const a = val(r, w3.systems[naive])
    const b = val(r, w1.systems[fixed])
    return a !== undefined && b ? a / b : undefined
  }
  const raw = speedup(r.reference, r.reference)
  const rows = [
    [`raw (${label(r, r.reference)})`, raw],
    ['quarry, defaults (naive loop → selectRelated)', speedup(QUARRY, QUARRY)],
    ["quarry, nPlusOne 'off'", speedup(QUARRY_OFF, QUARRY_OFF)],
    ["quarry, fetchMode 'peers' (the naive loop itself, → selectRelated)", speedup('quarry-peers', QUARRY)],
  ] as const
  const target = r.backend === 'sqlite' ? "≥ 0.9× raw's own speed-up" : '≥ 10×'
  const out = ['| who | naive W3 ÷ fixed W1 |', '|---|---|']
  for (const [who, x] of rows) out.push(`| ${who} | ${x === undefined ? 'n/a' : `${x.toFixed(1)}×`} |`)
  const q = rows[1][1]
  const met =
    q === undefined
      ? 'not measured'
      : r.backend === 'sqlite'
        ? raw && q >= 0.9 * raw
          ? 'met'
          : 'missed'
        : q >= 10
          ? 'met'
          : 'missed'
  out.push('', `Target: ${target} — ${met}.`)
  return out
}

function w11Section(r: Results): string[] {
  const w = r.workloads.find((x) => x.id === 'W11')
  if (!w || w.backendNa) return []
  const out = ['| system | time ms | peak RSS MB |', '|---|---|---|']
  for (const s of r.systems) {
    const c = w.systems[s.id]
    if (c?.median === undefined) continue
    out.push(`| ${s.label} | ${ms(c.median)} | ${c.maxRssMb?.toFixed(0)} |`)
  }
  return out
}

/** W6–W8 per system: insert throughput, bulk ÷ one-by-one per row, and what keyset saves over OFFSET. */
function writesSection(r: Results): string[] {
  const w6 = find(r, 'W6')
  if (!w6 || w6.backendNa || w6.notBuilt) return []
  const loop = find(r, 'W6-loop')
  const w7 = find(r, 'W7')
  const off = find(r, 'W8-offset')
  const key = find(r, 'W8-keyset')
  const rows = WRITE_ROWS[r.quick ? 1 : 0]
  const out = [
    `| system | W6 rows/s (${rows.bulk.toLocaleString('en')} in one bulk call) | W6-loop rows/s (${rows.loop.toLocaleString('en')} creates) | bulk ÷ loop, per row | W7 rows/s (${rows.update.toLocaleString('en')} updates) | W8 OFFSET ÷ keyset |`,
    '|---|---|---|---|---|---|',
  ]
  const rate = (n: number, msv: number | undefined) => (msv ? Math.round((n / msv) * 1000).toLocaleString('en') : 'n/a')
  for (const sys of r.systems) {
    const b = val(r, w6.systems[sys.id])
    const l = val(r, loop?.systems[sys.id])
    const u = val(r, w7?.systems[sys.id])
    const o = val(r, off?.systems[sys.id])
    const k = val(r, key?.systems[sys.id])
    if ([b, l, u, o, k].every((x) => x === undefined)) continue
    const per = b && l ? l / rows.loop / (b / rows.bulk) : undefined
    out.push(
      `| ${sys.label} | ${rate(rows.bulk, b)} | ${rate(rows.loop, l)} | ${per === undefined ? 'n/a' : `${per.toFixed(1)}×`} | ${rate(rows.update, u)} | ${o && k ? `${ratio(o / k)}×` : 'n/a'} |`,
    )
  }
  return out
}

/** W9: each system with a query cache, cached W1 against its own uncached W1. */
function cacheSection(r: Results): string[] {
  const w9 = find(r, 'W9')
  const w1 = find(r, 'W1')
  if (!w9 || !w1 || w9.backendNa) return []
  const out = [
    '| system | W1 uncached, ms | W1 from its cache, ms | speed-up | or n/a, because |',
    '|---|---|---|---|---|',
  ]
  for (const sys of r.systems) {
    const c = w9.systems[sys.id]
    if (!c || c.skip) continue
    const a = val(r, w1.systems[sys.id])
    const b = val(r, c)
    out.push(
      `| ${sys.label} | ${a === undefined ? 'n/a' : ms(a)} | ${b === undefined ? 'n/a' : ms(b)} | ${a && b ? `${ratio(a / b)}×` : ''} | ${b === undefined ? (c.na ?? '') : ''} |`,
    )
  }
  return out
}

interface W10Result {
  date: string
  results: {
    framework: string
    helloRps: number
    staticRps: number
    /** The page as a constant with the headers a hit adds: a hit's ceiling (absent before 2026-12-01 13:13). */
    staticWithHitHeadersRps?: number
    missRps: number
    hitRps: number
  }[]
}

/** W10 comes from bench/cache/w10.ts (an HTTP bench: server and load generator in their own processes). */
function latestW10(dir: string): W10Result | undefined {
  const f = readdirSync(dir)
    .filter((x) => /^cache-w10-\d{4}-\d{2}-\d{2}\.json$/.test(x))
    .sort()
    .pop()
  return f ? (JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as W10Result) : undefined
}

function w10Section(w10: W10Result | undefined): string[] {
  if (!w10) return ['n/a: no bench/results/cache-w10-*.json (run `npx node bench/cache/w10.ts`).']
  const out = [
    `From \`npx node bench/cache/w10.ts\` (${w10.date.slice(0, 10)}; not part of this run: an HTTP bench with the server and autocannon in their own processes), requests/s:`,
    '',
    "| framework | hello-world | page rendered (uncached) | quarry `cachePage` hit | hit ÷ hello-world (target ≥ 0.8) | ceiling: the page as a constant with a hit's headers, ÷ hello-world | hit ÷ ceiling | hit ÷ uncached | peers |",
    '|---|---|---|---|---|---|---|---|---|',
  ]
  for (const x of w10.results) {
    const h = x.hitRps / x.helloRps
    const c = x.staticWithHitHeadersRps
    out.push(
      `| ${x.framework} | ${x.helloRps.toLocaleString('en')} | ${x.missRps.toLocaleString('en')} | ${x.hitRps.toLocaleString('en')} | ${h.toFixed(2)}× ${h >= 0.8 ? 'met' : '**missed**'} | ${c ? `${(c / x.helloRps).toFixed(2)}×` : 'n/a'} | ${c ? `${(x.hitRps / c).toFixed(2)}×` : 'n/a'} | ${(x.hitRps / x.missRps).toFixed(1)}× | n/a [*] |`,
    )
  }
  out.push(
    '',
    "The ceiling is what a hit's bytes and headers cost with no lookup at all (a constant 4.3 KB page plus Cache-Control, Expires, ETag, X-Cache and Age): where it is under 0.8×, the framework cannot serve a cached page at 0.8× of its hello-world.",
    '',
    '[*] n/a, because none of the peers has a page cache: Drizzle, Kysely, Prisma, TypeORM, MikroORM and Sequelize are data layers with no HTTP response caching.',
  )
  return out
}

/** Horizontal bars of ratio to raw (log scale), one group per workload. */
function chart(r: Results): string {
  const shown = r.workloads.filter((w) => !w.notBuilt && !w.backendNa)
  const systems = r.systems.filter((s) => s.id !== r.reference && s.id !== 'quarry-peers')
  const barH = 9
  const groupH = systems.length * barH + 16
  const left = 210
  const width = 760
  const plotW = width - left - 60
  const maxRatio = 100
  const x = (v: number) => left + ((Math.log10(Math.max(v, 0.1)) + 1) / (Math.log10(maxRatio) + 1)) * plotW
  const height = 40 + shown.length * groupH + 20 + systems.length * 14
  const colors = [
    '#1f77b4',
    '#17becf',
    '#d62728',
    '#ff7f0e',
    '#2ca02c',
    '#98df8a',
    '#9467bd',
    '#8c564b',
    '#e377c2',
    '#7f7f7f',
    '#bcbd22',
    '#aec7e8',
    '#ffbb78',
  ]
  const color = (i: number) => colors[i % colors.length]!
  const out: string[] = []
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" role="img" width="${width}" height="${height}" font-family="sans-serif" font-size="11">`,
    `<title>quarry and its peers on ${BACKEND_NAMES[r.backend] ?? r.backend}: median time of each workload divided by ${label(r, r.reference)}'s</title>`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="10" y="18" font-size="13" font-weight="bold">${BACKEND_NAMES[r.backend] ?? r.backend}: median ${BASIS_TEXT[basisOf(r)]} ÷ ${label(r, r.reference)}'s (log scale; left of 1 = faster than raw)</text>`,
  )
  for (const v of [0.5, 1, 2, 5, 10, 20, 50, 100]) {
    out.push(
      `<line x1="${x(v)}" x2="${x(v)}" y1="28" y2="${40 + shown.length * groupH}" stroke="${v === 1 ? '#000' : '#ddd'}"/>`,
    )
    out.push(`<text x="${x(v)}" y="${36 + shown.length * groupH + 14}" text-anchor="middle">${v}×</text>`)
  }
  shown.forEach((w, gi) => {
    const y0 = 36 + gi * groupH
    out.push(`<text x="10" y="${y0 + groupH / 2}" font-weight="bold">${w.id}</text>`)
    const raw = rawBase(r, w)
    systems.forEach((s, si) => {
      const c = w.systems[s.id]
      const y = y0 + 6 + si * barH
      const cv = val(r, c)
      if (cv === undefined || !raw) return
      const v = cv / raw
      // Bars grow from 1× (raw): left when faster than raw, right when slower.
      const from = Math.min(x(1), x(v))
      out.push(
        `<rect x="${from.toFixed(1)}" y="${y}" width="${Math.max(1, Math.abs(x(v) - x(1))).toFixed(1)}" height="${barH - 2}" fill="${color(si)}"><title>${s.label}: ${ratio(v)}×</title></rect>`,
        `<text x="${(Math.max(x(v), x(1)) + 3).toFixed(1)}" y="${y + barH - 3}" font-size="8">${ratio(v)}</text>`,
      )
    })
  })
  const ly = 50 + shown.length * groupH + 10
  systems.forEach((s, si) => {
    const y = ly + si * 14
    out.push(
      `<rect x="${left}" y="${y}" width="10" height="10" fill="${color(si)}"/>`,
      `<text x="${left + 16}" y="${y + 9}">${s.label}</text>`,
    )
  })
  out.push('</svg>')
  return `${out.join('\n')}\n`
}

/** Every target of BENCHMARKS.md (and issue 14's detector target) with this run's number, met or missed. */
function targets(results: Results[], dir: string): string[] {
  const out = ['| target | backend | measured (SQLite: CPU time, PostgreSQL: wall time) | |', '|---|---|---|---|']
  const row = (what: string, r: Results, measured: string, ok: boolean | undefined) =>
    out.push(
      `| ${what} | ${r.backend} | ${measured} | ${ok === undefined ? 'not measured' : ok ? 'met' : '**missed**'} |`,
    )
  const med = (r: Results, w: string, s: string) => val(r, r.workloads.find((x) => x.id === w)?.systems[s])
  for (const r of results) {
    for (const w of r.workloads) {
      if (w.target === undefined) continue
      const q = med(r, w.id, QUARRY)
      const raw = med(r, w.id, r.reference)
      const x = q !== undefined && raw ? q / raw : undefined
      row(
        `${w.id} ≤ ${w.target}× raw`,
        r,
        x === undefined ? 'n/a' : `${x.toFixed(2)}×`,
        x === undefined ? undefined : x <= w.target,
      )
    }
    for (const w of r.workloads) {
      if (!['W1', 'W2', 'W4', 'W5', 'W8-offset', 'W8-keyset', 'W12'].includes(w.id) || w.notBuilt || w.backendNa)
        continue
      const q = med(r, w.id, QUARRY)
      const best = bestPeer(r, w)
      const x = q !== undefined && best ? q / best.median : undefined
      row(
        `${w.id} faster than every peer`,
        r,
        x === undefined ? 'n/a' : `${x.toFixed(2)}× ${label(r, best!.id)}`,
        x === undefined ? undefined : x <= 1,
      )
    }
    for (const w of ['W1', 'W2', 'W3']) {
      const on = med(r, w, QUARRY)
      const off = med(r, w, QUARRY_OFF)
      const x = on !== undefined && off ? on / off : undefined
      row(
        `${w}: N+1 detector costs ≤ 5% (defaults ÷ off)`,
        r,
        x === undefined ? 'n/a' : `${x.toFixed(2)}×`,
        x === undefined ? undefined : x <= 1.05,
      )
    }
    const sp = (naive: string, fixed: string) => {
      const a = med(r, 'W3', naive)
      const b = med(r, 'W1', fixed)
      return a !== undefined && b ? a / b : undefined
    }
    const qs = sp(QUARRY, QUARRY)
    const rs = sp(r.reference, r.reference)
    if (r.backend === 'sqlite')
      row(
        "W3 naive→fixed speed-up ≥ 0.9× raw's",
        r,
        qs === undefined || rs === undefined
          ? 'n/a'
          : `${qs.toFixed(1)}× vs raw ${rs.toFixed(1)}× (${(qs / rs).toFixed(2)})`,
        qs === undefined || rs === undefined ? undefined : qs >= 0.9 * rs,
      )
    else
      row(
        'W3 fixed ≥ 10× faster than naive',
        r,
        qs === undefined ? 'n/a' : `${qs.toFixed(1)}×`,
        qs === undefined ? undefined : qs >= 10,
      )
    const rows = WRITE_ROWS[r.quick ? 1 : 0]
    const qb = med(r, 'W6', QUARRY)
    const rb = med(r, 'W6', r.reference)
    row(
      'W6 bulkCreate ≥ 0.8× raw multi-row throughput',
      r,
      qb === undefined || !rb ? 'n/a' : `${(rb / qb).toFixed(2)}× raw's rows/s`,
      qb === undefined || !rb ? undefined : rb / qb >= 0.8,
    )
    const ql = med(r, 'W6-loop', QUARRY)
    const perRow = qb && ql ? ql / rows.loop / (qb / rows.bulk) : undefined
    row(
      'W6 bulkCreate ≥ 20× the create() loop, per row',
      r,
      perRow === undefined ? 'n/a' : `${perRow.toFixed(1)}×`,
      perRow === undefined ? undefined : perRow >= 20,
    )
    const q7 = med(r, 'W7', QUARRY)
    const r7 = med(r, 'W7', r.reference)
    row(
      'W7 bulkUpdate ≈ raw UPDATE … FROM (VALUES …) (the ≥ 5× save() loop target: `npm run bench:bulk`)',
      r,
      q7 === undefined || !r7 ? 'n/a' : `${(q7 / r7).toFixed(2)}× raw's time`,
      undefined,
    )
    const qo = med(r, 'W8-offset', QUARRY)
    const qk = med(r, 'W8-keyset', QUARRY)
    row(
      'W8 keyset ≥ 20× faster than OFFSET at depth 90,000',
      r,
      qo === undefined || !qk ? 'n/a' : `${(qo / qk).toFixed(0)}×`,
      qo === undefined || !qk ? undefined : qo / qk >= 20,
    )
    const q1 = med(r, 'W1', QUARRY)
    const q9 = med(r, 'W9', QUARRY)
    row(
      'W9 warm memory-cache hit ≥ 20× faster than uncached W1',
      r,
      q1 === undefined || !q9 ? 'n/a' : `${(q1 / q9).toFixed(1)}×`,
      q1 === undefined || !q9 ? undefined : q1 / q9 >= 20,
    )
    const w11 = r.workloads.find((w) => w.id === 'W11')
    const big = w11?.posts ?? (r.data.bigPosts as number | undefined) ?? r.data.posts
    const qr = w11?.systems[QUARRY]?.maxRssMb
    const rr = w11?.systems[r.reference]?.maxRssMb
    if (r.backend === 'sqlite')
      row(
        `W11 peak RSS < 150 MB (${Number(big).toLocaleString('en')} posts)`,
        r,
        qr === undefined ? 'n/a' : `${qr.toFixed(0)} MB`,
        qr === undefined || r.quick ? undefined : qr < 150,
      )
    else
      row(
        `W11 peak RSS ≤ 1.1× raw cursor (${Number(big).toLocaleString('en')} posts)`,
        r,
        qr === undefined || !rr ? 'n/a' : `${qr.toFixed(0)} vs ${rr.toFixed(0)} MB (${(qr / rr).toFixed(2)}×)`,
        qr === undefined || !rr || r.quick ? undefined : qr <= 1.1 * rr,
      )
  }
  const w10 = latestW10(dir)
  for (const x of w10?.results ?? []) {
    const h = x.hitRps / x.helloRps
    out.push(
      `| W10 cachePage hit ≥ 0.8× the framework's hello-world (${x.framework}) | HTTP | ${h.toFixed(2)}× (bench/cache/w10.ts, ${w10!.date.slice(0, 10)}) | ${h >= 0.8 ? 'met' : '**missed**'} |`,
    )
  }
  return out
}

export function writeReport(root: string): string[] {
  const resultsDir = path.join(root, 'bench/results')
  const results = latest(resultsDir)
  if (!results.length) return []
  const written: string[] = []
  const md: string[] = [
    '# Benchmarks',
    '',
    '<!-- Generated by bench/report.ts from bench/results/*.json: edit the generator, not this file. -->',
    '',
    'quarry against the raw drivers written the fast way and the ORMs users would pick instead, measured side by side',
    'in one run on the same data (method and workloads: `bench/README.md`). Rerun with `npm run bench` (full) or',
    '`npm run bench -- --quick` (smoke run). Each (system, workload, backend) runs in a fresh process; every',
    "result is checked equal to the raw driver's before it is timed; medians over all timed runs; the ratios are",
    'median ÷ median in the same run: of CPU time on SQLite (in-process, so nearly all the work, and steady on a',
    'shared machine), of wall time on PostgreSQL (whose CPU time leaves out the server).',
    '',
    'On the shared 2-core machine these runs come from, CPU-time ratios move by up to 0.25 between passes, so',
    'systems within ~25% of each other are not ordered by one pass. `bench/micro/instructions.ts` counts the',
    "instructions of the timed runs alone under callgrind, which repeat within 1% on SQLite: that table is in the notes'",
    '"Fourth pass" below.',
    '',
  ]
  for (const r of results) {
    const notes: string[] = []
    const load = [r.load.before, ...r.load.during, r.load.after].map((l) => l[0]!)
    md.push(
      `## ${BACKEND_NAMES[r.backend] ?? r.backend}`,
      '',
      `Run ${r.date.slice(0, 16).replace('T', ' ')} UTC${r.quick ? ' (**--quick**: a smoke run — one process per system running every workload, few runs and no warm-up (the checked first run is timed too), 1,000 gets in W4; not the published numbers)' : ''}, ${r.rounds} round(s); ` +
        `${r.machine.cpu} × ${r.machine.cores}, Node ${r.machine.node}, SQLite ${r.machine.sqlite}; ` +
        `commit ${r.git.commit?.slice(0, 10) ?? '?'}${r.git.dirty ? ' (src/ modified)' : ''}. ` +
        `Load average (1 min) from ${Math.min(...load).toFixed(1)} to ${Math.max(...load).toFixed(1)} during the run` +
        ` on ${r.machine.cores} cores shared with other work: medians move 30–40% between runs here, read the ratios.`,
      ...(r.note ? ['', `**Note.** ${r.note}`] : []),
      '',
      `Data: ${r.data.authors} authors, ${r.data.posts} posts (~1 KB body), seed ${r.data.seed}; ${r.data.location}.` +
        (r.data.bigPosts
          ? ` W8 and W11 read the ${Number(r.data.bigPosts).toLocaleString('en')}-post blog of BENCHMARKS.md; W6, W6-loop and W7 write to a database of their own whose posts table is reset before every run (not timed).`
          : ''),
      '',
      `![ratios to raw, ${r.backend}](benchmarks-${r.backend}.svg)`,
      '',
      '### quarry against raw and the best peer',
      '',
      ...quarryTable(r),
      '',
      `### Every system: median ${BASIS_TEXT[basisOf(r)]} per run, ms (ratio to ${label(r, r.reference)})`,
      '',
      ...r.workloads.filter((w) => !w.notBuilt && !w.backendNa).map((w) => `- ${w.id}: ${w.title}`),
      '',
      ...mainTable(r, notes),
      '',
      ...notes.map((n, i) => `[${i + 1}] n/a, because ${n}.`.replace(/\.\.$/, '.')),
      '',
      '### W3: what fixing the N+1 buys',
      '',
      ...w3Section(r),
      '',
    )
    const writes = writesSection(r)
    if (writes.length)
      md.push(
        '### W6–W8: writes and deep pages, per system',
        '',
        `Rows per second of ${BASIS_TEXT[basisOf(r)]}; each write run starts from the same table (reset outside the timing) and its result is checked by reading the whole table back.`,
        '',
        ...writes,
        '',
      )
    const cache = cacheSection(r)
    if (cache.length) md.push('### W9: W1 from a warm query cache', '', ...cache, '')
    const w11 = w11Section(r)
    if (w11.length) md.push('### W11: streaming every post', '', ...w11, '')
    md.push(
      'Versions: ' +
        Object.entries(r.versions)
          .map(([k, v]) => `${k} ${v}`)
          .join(', ') +
        '.',
      '',
    )
    const svg = path.join(root, `docs/benchmarks-${r.backend}.svg`)
    writeFileSync(svg, chart(r))
    written.push(svg)
  }
  md.push(
    '## W10: cached page',
    '',
    ...w10Section(latestW10(resultsDir)),
    '',
    '## Targets',
    '',
    ...targets(results, resultsDir),
    '',
  )
  const notes = path.join(root, 'bench/notes.md')
  if (existsSync(notes)) md.push(readFileSync(notes, 'utf8').trim(), '')
  const file = path.join(root, 'docs/benchmarks.md')
  writeFileSync(file, `${md.join('\n')}`)
  written.unshift(file)
  return written
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
  for (const f of writeReport(root)) console.log(`wrote ${path.relative(root, f)}`)
}
