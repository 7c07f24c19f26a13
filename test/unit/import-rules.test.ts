import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { checkImports, importsOf, LAYERS, layerCycles, readSources } from '../support/import-rules.ts'

const src = readSources(fileURLToPath(new URL('../../src', import.meta.url)))

describe('import rules (docs/architecture.md)', () => {
  it('every import in src/ goes down the layers', () => {
    expect(checkImports(src).map((v) => `${v.from} -> ${v.to}: ${v.rule}`)).toEqual([])
  })

  it('no import cycle between folders', () => {
    expect(layerCycles(src)).toEqual([])
  })

  it('the layer table itself is one-way', () => {
    const table = new Map(Object.entries(LAYERS).filter(([name]) => name !== 'index'))
    const files = new Map(
      [...table].map(([name, deps]) => [`${name}/x.ts`, deps.map((d) => `import '../${d}/x.ts'`).join('\n')]),
    )
    expect(layerCycles(files)).toEqual([])
  })

  it('fails on a planted violation: the query layer importing a backend', () => {
    const planted = new Map([
      ['query/query-set.ts', "import type { Backend } from '../backends/backend.ts'\nexport class QuerySet {}"],
      ['backends/backend.ts', 'export interface Backend {}'],
    ])
    expect(checkImports(planted)).toEqual([
      { from: 'query/query-set.ts', to: 'backends/backend.ts', rule: 'query may not import backends' },
    ])
  })

  it('fails on a planted violation: anything below importing the composition root, and the cycle it makes', () => {
    const planted = new Map([
      ['database.ts', "import { QuerySet } from './query/query-set.ts'"],
      ['query/query-set.ts', "export { connect } from '../database.ts'"],
    ])
    expect(checkImports(planted)).toEqual([
      { from: 'query/query-set.ts', to: 'database.ts', rule: 'query may not import database' },
    ])
    expect(layerCycles(planted)).toEqual(['database -> query -> database'])
  })

  it('fails on a folder the table does not know', () => {
    const planted = new Map([['plugins/x.ts', "import '../errors.ts'"]])
    expect(checkImports(planted)).toEqual([
      { from: 'plugins/x.ts', to: 'errors.ts', rule: "layer 'plugins' is not in LAYERS" },
    ])
  })

  it('reads static, side-effect, re-export, multi-line and dynamic imports', () => {
    const source = [
      "import type { A } from '../sql/a.ts'",
      "import {\n  B,\n  C,\n} from './b.ts'",
      "import '../model/c.ts'",
      "export { D } from '../errors.ts'",
      "const e = await import('../engine/e.ts')",
      "import x from 'node:fs'",
    ].join('\n')
    expect(importsOf('query/q.ts', source)).toEqual([
      'sql/a.ts',
      'query/b.ts',
      'model/c.ts',
      'errors.ts',
      'engine/e.ts',
    ])
  })
})
