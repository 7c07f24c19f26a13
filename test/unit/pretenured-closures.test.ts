import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { readSources } from '../support/import-rules.ts'

/**
 * V8's parser marks a function literal assigned straight to a property (`obj.f = () => …`, `this.f = function …`) to be
 * allocated in the old generation. Dead, such a closure still keeps its context, and whatever that reaches, alive
 * through every scavenge until the next full collection: created per statement or per request, it drags each one's
 * objects into the old generation (postgres.js's `this.resolve = x => …` does, per query: bench/notes.md, twelfth pass,
 * and bench/micro/pg-survival.ts). quarry declares such functions first, then stores them.
 */
const ASSIGNED_LITERAL =
  /^(?!\s*(?:export\s+)?(?:const|let|var)\s).*(?:\.[#\w$]+|\])\s*(?:\?\?|\|\||&&)?=\s*(?:async\s+)?(?:function\b|\([^()]*\)\s*(?::[^=]+)?=>|[\w$]+\s*=>)/

const src = fileURLToPath(new URL('../../src', import.meta.url))

describe('no closure pretenured per call', () => {
  it('V8 still allocates a function literal assigned to a property in the old generation, and a declared one young', () => {
    const probe = `
      function assigned(o) { o.f = () => 1 }
      function declared(o) { const f = () => 1; o.f = f }
      const a = {}, b = {}
      assigned(a); declared(b)
      console.log(JSON.stringify([%InYoungGeneration(a.f), %InYoungGeneration(b.f)]))`
    const r = spawnSync(process.execPath, ['--allow-natives-syntax', '-e', probe], {
      encoding: 'utf8',
      timeout: 30_000,
    })
    expect(r.stderr).toBe('')
    // If this ever reads [true, true], the rule below guards against nothing and can go.
    expect(JSON.parse(r.stdout)).toEqual([false, true])
  })

  it('the pattern finds every form it is meant to', () => {
    for (const line of [
      'entry.then = (rows) => {',
      'this.resolve = x => (this.active = false, resolve(x))',
      'r.end = (chunk?: unknown, cb?: unknown) => {',
      'wire.onclose = () => {',
      'o.f = async () => 1',
      'o.f = function () {',
      'o.#f ??= (x: number): number => x',
      'handlers[name] = (e) => e',
    ])
      expect(line).toMatch(ASSIGNED_LITERAL)
    for (const line of [
      'entry.then = then',
      'const then = (rows: unknown[][]) => {',
      'readonly #settled = (r: unknown[][]): unknown[][] => {',
      'x.then((m) => one(m))',
      'if (a.b === (c) => d) {',
      "const onSend: FastifyHooks['onSend'] = (req, reply, payload, done) => {",
    ])
      expect(line).not.toMatch(ASSIGNED_LITERAL)
  })

  it('src/ assigns no function literal straight to a property', () => {
    const found = [...readSources(src)].flatMap(([file, text]) =>
      text
        .split('\n')
        .map((line, i) => [line, i] as const)
        .filter(
          ([line]) => ASSIGNED_LITERAL.test(line) && !line.trim().startsWith('//') && !line.trim().startsWith('*'),
        )
        .map(([line, i]) => `${file}:${i + 1}: ${line.trim()}`),
    )
    expect(found).toEqual([])
  })
})
