import type { Reporter, TestModule } from 'vitest/node'

/**
 * Prints how many tests ran on each backend (suites named `… [sqlite]`, `… [postgres]`, `… [mysql]` by
 * describeEachBackend), so a skipped server shows in the summary rather than vanishing into the total, then
 * one closing line over every test in the plain `tests: N passed, N failed, N skipped` form that CI reads.
 */
export default class BackendSummary implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<unknown>): void {
    const counts = new Map<string, Record<'passed' | 'failed' | 'skipped' | 'pending', number>>()
    const total = { passed: 0, failed: 0, skipped: 0, pending: 0 }
    for (const m of modules)
      for (const t of m.children.allTests()) {
        const state = t.result().state
        total[state]++
        const vendor = /\[(sqlite(?: better-sqlite3)?|postgres|mysql)\]/.exec(t.fullName)?.[1]
        if (!vendor) continue
        let c = counts.get(vendor)
        if (!c) counts.set(vendor, (c = { passed: 0, failed: 0, skipped: 0, pending: 0 }))
        c[state]++
      }
    // A file that failed before its tests ran (e.g. a service required under CI=true) and unhandled errors
    // fail the run: count them, so the closing line never says "0 failed" for a red run.
    for (const m of modules) total.failed += m.errors().length
    total.failed += unhandledErrors.length
    // Per backend with '/' separators, so only the closing line has the plain form.
    const lines = [...counts].map(
      ([v, c]) => `  ${v.padEnd(22)} ${c.passed} passed / ${c.failed} failed / ${c.skipped + c.pending} skipped`,
    )
    if (lines.length) console.log(`\n Tests per backend\n${lines.join('\n')}`)
    console.log(`\ntests: ${total.passed} passed, ${total.failed} failed, ${total.skipped + total.pending} skipped`)
  }
}
