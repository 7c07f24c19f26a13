import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { expect, it } from 'vitest'

const root = resolve(import.meta.dirname, '../..')

// The README's quick start must run as written: extract it, point `quarry` at the sources, run it with Node 24.
it('the README quick start runs and prints what it says', () => {
  const readme = readFileSync(join(root, 'README.md'), 'utf8')
  const start = readme.indexOf('## Quick start')
  const code = /```ts\n([\s\S]*?)```/.exec(readme.slice(start))?.[1]
  expect(code).toBeDefined()
  const dir = mkdtempSync(join(tmpdir(), 'quarry-readme-'))
  const file = join(dir, 'quickstart.ts')
  writeFileSync(file, code!.replace("from 'quarry'", `from ${JSON.stringify(join(root, 'src/index.ts'))}`))
  const out = execFileSync(process.execPath, [file], { encoding: 'utf8' })
  expect(out).toContain("[ 'Hello, quarry by Ada' ]")
  expect(out).toContain("[ { name: 'Ada', n: 1 } ]")
  // The comments in the README state the output; keep them honest.
  for (const line of code!.split('\n').filter((l) => l.includes('console.log')))
    expect(out).toContain(line.slice(line.indexOf('// ') + 3).trim())
})
