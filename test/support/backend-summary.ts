import type { Reporter, TestModule } from 'vitest/node'

/**
 * Prints how many tests ran on each backend (suites named `… [sqlite]`, `… [postgres]`, `… [mysql]` by
 * describeEachBackend), so a skipped server shows in the summary rather than vanishing into the total.
 */
export default class BackendSummary implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    const counts = new Map<string, Record<'passed' | 'failed' | 'skipped' | 'pending', number>>()
    for (const m of modules)
      for (const t of m.children.allTests()) {
        const vendor = /\[(sqlite|postgres|mysql)\]/.exec(t.fullName)?.[1]
        if (!vendor) continue
        let c = counts.get(vendor)
        if (!c) counts.set(vendor, (c = { passed: 0, failed: 0, skipped: 0, pending: 0 }))
        c[t.result().state]++
      }
    if (!counts.size) return
    const lines = [...counts].map(
      ([v, c]) => `  ${v.padEnd(9)} ${c.passed} passed, ${c.failed} failed, ${c.skipped + c.pending} skipped`,
    )
    console.log(`\n Tests per backend\n${lines.join('\n')}`)
  }
}
