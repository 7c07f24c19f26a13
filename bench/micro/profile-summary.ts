/**
 * Summarise V8 .cpuprofile files (from `run.ts --prof-dir DIR` or `node --cpu-prof`): self time per function,
 * overall and inside src/, optionally as µs per operation.
 *
 *   npx node bench/micro/profile-summary.ts DIR_OR_FILE [--ops N] [--top 25]
 */
import { readdirSync, readFileSync, statSync } from 'node:fs'
import path from 'node:path'
import { parseArgs } from 'node:util'

interface Node {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number }
  children?: number[]
}
interface Profile {
  nodes: Node[]
  startTime: number
  endTime: number
  samples: number[]
  timeDeltas: number[]
}

const { values: opt, positionals } = parseArgs({
  allowPositionals: true,
  options: { ops: { type: 'string' }, top: { type: 'string', default: '25' } },
})
const target = positionals[0]
if (!target) throw new Error('usage: profile-summary.ts DIR_OR_FILE [--ops N] [--top 25]')
const files = statSync(target).isDirectory()
  ? readdirSync(target)
      .filter((f) => f.endsWith('.cpuprofile'))
      .map((f) => path.join(target, f))
  : [target]

const self = new Map<string, number>()
let total = 0
for (const file of files) {
  const p = JSON.parse(readFileSync(file, 'utf8')) as Profile
  const byId = new Map(p.nodes.map((n) => [n.id, n]))
  for (let i = 0; i < p.samples.length; i++) {
    const n = byId.get(p.samples[i]!)!
    const dt = p.timeDeltas[i] ?? 0
    const url = n.callFrame.url.replace(/^file:\/\//, '')
    const where = url.includes('/src/') ? `src/${url.split('/src/').pop()}` : url ? path.basename(url) : '(native)'
    const key = `${n.callFrame.functionName || '(anonymous)'}  ${where}${url ? `:${n.callFrame.lineNumber + 1}` : ''}`
    self.set(key, (self.get(key) ?? 0) + dt)
    total += dt
  }
}
const ops = opt.ops ? Number(opt.ops) : undefined
const top = Number(opt.top)
const show = (title: string, entries: [string, number][]) => {
  console.log(`\n${title}`)
  for (const [k, us] of entries.slice(0, top)) {
    const per = ops ? `  ${(us / ops).toFixed(3)} µs/op` : ''
    console.log(`${((us / total) * 100).toFixed(1).padStart(5)}%  ${(us / 1000).toFixed(1).padStart(8)} ms${per}  ${k}`)
  }
}
const sorted = [...self].sort((a, b) => b[1] - a[1])
console.log(`${files.length} profile(s), ${(total / 1000).toFixed(0)} ms sampled${ops ? `, ${ops} operations` : ''}`)
show('top self time, all code:', sorted)
const inSrc = sorted.filter(([k]) => k.includes(' src/'))
const srcTotal = inSrc.reduce((a, [, v]) => a + v, 0)
show(`top self time inside src/ (src total ${((srcTotal / total) * 100).toFixed(1)}%):`, inSrc)
const byFile = new Map<string, number>()
for (const [k, v] of inSrc) {
  const file = k.split(' src/')[1]!.replace(/:\d+$/, '')
  byFile.set(file, (byFile.get(file) ?? 0) + v)
}
show(
  'self time by src/ file:',
  [...byFile].sort((a, b) => b[1] - a[1]),
)
