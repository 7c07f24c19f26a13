// Terminal output for the demo: a progress bar, and one line per variant with queries, time and speed-up.
import type { Database } from '../../src/index.ts'
import { captureQueries } from '../../src/testing/index.ts'

const tty = process.stdout.isTTY ?? false
const paint = (code: number) => (s: string) => (tty ? `\x1b[${code}m${s}\x1b[0m` : s)
export const bold = paint(1)
export const dim = paint(2)
export const green = paint(32)
export const yellow = paint(33)
export const cyan = paint(36)

const fmt = (n: number) => n.toLocaleString('en-US')

/** `[██████░░░░]  60%  60,000 / 100,000 posts` — redrawn in place on a terminal, every quarter otherwise. */
export function progressBar(total: number, label: string): (done: number) => void {
  let lastQuarter = -1
  return (done) => {
    const ratio = done / total
    const width = 30
    const filled = Math.round(ratio * width)
    const line = `  [${'█'.repeat(filled)}${'░'.repeat(width - filled)}] ${String(Math.round(ratio * 100)).padStart(3)}%  ${fmt(done)} / ${fmt(total)} ${label}`
    if (tty) process.stdout.write(`\r${line}${done === total ? '\n' : ''}`)
    else if (Math.floor(ratio * 4) > lastQuarter) {
      lastQuarter = Math.floor(ratio * 4)
      console.log(line)
    }
  }
}

export interface Variant {
  /** The code, as the user would write it. */
  readonly label: string
  readonly run: () => PromiseLike<unknown>
  /** Timed runs (the median is shown). */
  readonly runs?: number
}

export interface Measured {
  readonly queries: number
  readonly ms: number
}

/** Queries counted on one run, then the median time of several runs with nobody listening (as in production). */
export async function measure(db: Database<any>, v: Variant): Promise<Measured> {
  const queries = (await captureQueries(db, v.run)).filter((q) => q.kind !== 'transaction').length
  const times: number[] = []
  for (let i = 0; i < (v.runs ?? 5); i++) {
    const t = performance.now()
    await v.run()
    times.push(performance.now() - t)
  }
  times.sort((a, b) => a - b)
  return { queries, ms: times[Math.floor(times.length / 2)]! }
}

export function line(label: string, m: Measured, baseline: Measured | undefined): string {
  const q = `${fmt(m.queries)} ${m.queries === 1 ? 'query' : 'queries'}`
  const ratio = baseline ? baseline.ms / m.ms : 1
  const speed = !baseline
    ? dim('baseline')
    : ratio >= 1
      ? green(`${ratio.toFixed(ratio < 10 ? 1 : 0)}× faster`)
      : yellow(`${(1 / ratio).toFixed(1)}× slower`)
  return `  ${cyan(label.padEnd(54))} ${q.padStart(13)}  ${`${m.ms.toFixed(1)} ms`.padStart(9)}   ${speed}`
}

export { fmt }
