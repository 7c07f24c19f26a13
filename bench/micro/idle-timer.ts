/**
 * The per-statement cost of two ways to time an idle connection, 10⁶ times in a loop (bench/notes.md, fourth pass):
 * postgres.js's `idle_timeout` (clear the timer, make a new `setTimeout`, clear it when the connection is used) and
 * quarry's `IdleTimer` pattern (note the time; at most one timer).
 *
 *   npx node bench/micro/idle-timer.ts
 */
const N = 1_000_000
const noop = () => {}

function time(name: string, f: () => void): void {
  let last = 0
  for (let round = 0; round < 3; round++) {
    const t = performance.now()
    f()
    last = performance.now() - t
  }
  console.log(`${name}: ${((last * 1e6) / N).toFixed(0)} ns per statement`)
}

let timer: ReturnType<typeof setTimeout> | null = null
time("postgres.js's idle_timeout (start, then cancel on use)", () => {
  for (let i = 0; i < N; i++) {
    if (timer) clearTimeout(timer)
    timer = setTimeout((_args: unknown[]) => {}, 30_000, []) // postgres.js passes its arguments object
    clearTimeout(timer)
    timer = null
  }
})

let since = -1
let lazy: ReturnType<typeof setTimeout> | undefined
time("quarry's IdleTimer (note the time, one timer at most)", () => {
  for (let i = 0; i < N; i++) {
    since = performance.now()
    lazy ??= setTimeout(noop, 30_000).unref()
    since = -1
  }
})
clearTimeout(lazy)
void since
