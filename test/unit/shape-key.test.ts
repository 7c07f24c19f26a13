import { describe, expect, it } from 'vitest'
import { MysqlFeatures } from '../../src/backends/mysql/mysql-features.ts'
import { MysqlOperations } from '../../src/backends/mysql/mysql-operations.ts'
import { PostgresFeatures } from '../../src/backends/postgres/postgres-features.ts'
import { PostgresOperations } from '../../src/backends/postgres/postgres-operations.ts'
import { SqliteFeatures } from '../../src/backends/sqlite/sqlite-features.ts'
import { SqliteOperations } from '../../src/backends/sqlite/sqlite-operations.ts'
import { Count, F, Max, Q, Sum } from '../../src/index.ts'
import { SqlCompiler } from '../../src/sql/compiler/sql-compiler.ts'
import { emptyState, type QueryState } from '../../src/sql/query-state.ts'
import { fastFilterKey, oneEntryKey, oneEqualityName } from '../../src/sql/resolve/fast-shape.ts'
import {
  buildAggregate,
  buildCount,
  buildExists,
  buildSelect,
  type RowLayout,
} from '../../src/sql/resolve/select-builder.ts'
import { buildDelete, buildUpdate } from '../../src/sql/resolve/write-builder.ts'
import { shapeKey } from '../../src/sql/shape-key.ts'
import { blogSchema } from '../support/blog-schema.ts'

const server = { mariadb: true, version: [10, 11] } as const
const dialects = {
  sqlite: { features: new SqliteFeatures(), ops: new SqliteOperations() },
  postgres: { features: new PostgresFeatures(), ops: new PostgresOperations() },
  mysql: { features: new MysqlFeatures(server), ops: new MysqlOperations(server) },
}
const post = (patch: Partial<QueryState> = {}): QueryState => ({ ...emptyState(blogSchema.get('Post')), ...patch })
const author = (patch: Partial<QueryState> = {}): QueryState => ({ ...emptyState(blogSchema.get('Author')), ...patch })
const where = (...inputs: unknown[]) => inputs.map((input) => ({ input: input as never, negate: false }))

/** Query descriptions that differ in structure, each in two variants that differ only in values. */
const cases: [string, (v: number) => QueryState][] = [
  ['by pk', (v) => post({ where: where({ id: v }) })],
  ['gt', (v) => post({ where: where({ views: { gt: v } }) })],
  ['gte', (v) => post({ where: where({ views: { gte: v } }) })],
  ['isnull true', () => post({ where: where({ author: { email: { isnull: true } } }) })],
  ['isnull false', () => post({ where: where({ author: { email: { isnull: false } } }) })],
  ['exact null', () => post({ where: where({ title: null }) })],
  ['exact string', (v) => post({ where: where({ title: `t${v}` }) })],
  ['in 2', (v) => post({ where: where({ id: { in: [v, v + 1] } }) })],
  ['in 3', (v) => post({ where: where({ id: { in: [v, v + 1, v + 2] } }) })],
  ['icontains', (v) => post({ where: where({ title: { icontains: `w${v}` } }) })],
  ['join filter', (v) => post({ where: where({ author: { name: `n${v}` } }) })],
  ['reverse filter', (v) => ({ ...emptyState(blogSchema.get('Author')), where: where({ posts: { views: v } }) })],
  ['m2m filter', (v) => post({ where: where({ tags: { name: `t${v}` } }) })],
  ['Q or', (v) => post({ where: where(Q.or({ views: v }, { title: 'x' })) })],
  ['exclude', (v) => post({ where: [{ input: { views: v }, negate: true }] })],
  ['F', () => post({ where: where({ views: { gt: F('id') } }) })],
  ['ordered', () => post({ order: ['-views', 'title'] })],
  ['ordered other', () => post({ order: ['views', 'title'] })],
  ['random', () => post({ order: ['?'] })],
  ['sliced', (v) => post({ limit: v, offset: v })],
  ['limit only', (v) => post({ limit: v })],
  ['distinct', () => post({ distinct: true })],
  ['values objects', () => post({ values: ['title'], valuesMode: 'objects' })],
  ['values tuples', () => post({ values: ['title'], valuesMode: 'tuples' })],
  ['values flat', () => post({ values: ['title'], valuesMode: 'flat' })],
  ['only', () => post({ only: ['title'] })],
  ['defer', () => post({ defer: ['body'] })],
  ['selectRelated', () => post({ selectRelated: ['author'] })],
  ['annotate', () => ({ ...emptyState(blogSchema.get('Author')), annotations: { n: Count('posts') } })],
  [
    'annotate filtered',
    (v) => ({
      ...emptyState(blogSchema.get('Author')),
      annotations: { n: Count('posts', { filter: { views: { gt: v } } }) },
    }),
  ],
  // Issue 8's forms: each its own statement.
  ['in empty', () => post({ where: where({ id: { in: [] } }) })],
  ['div integer', (v) => post({ where: where({ views: F('views').div(v + 1) }) })],
  ['div fraction', (v) => post({ where: where({ views: F('views').div(v + 0.5) }) })],
  [
    'in queryset',
    (v) => post({ where: where({ author: { in: { state: author({ where: where({ name: `n${v}` }) }) } } }) }),
  ],
  ['no related row', () => author({ where: where({ posts: { isnull: true } }) })],
  ['values through to-many', () => author({ values: ['name', 'posts.title'], valuesMode: 'objects' })],
  ['for update', () => post({ forUpdate: {} })],
  ['for update nowait', () => post({ forUpdate: { noWait: true } })],
]

describe('shape keys are derived from the statement', () => {
  for (const [name, d] of Object.entries(dialects)) {
    const compiler = new SqlCompiler(d.ops, d.features)
    it(`${name}: one key per SQL text and row layout; values never change the key`, () => {
      const byKey = new Map<string, string>()
      for (const [label, make] of cases) {
        const [a, b] = [buildSelect(make(1), d.features), buildSelect(make(7), d.features)]
        const [ka, kb] = [shapeKey(a.node, a.layout, d.features), shapeKey(b.node, b.layout, d.features)]
        expect(ka, label).toBe(kb)
        expect(ka, label).not.toMatch(/\bt7\b|\bn7\b|\bw7\b/)
        const sql = `${compiler.compile(a.node).sql} ${JSON.stringify(a.layout.kind === 'values' ? [a.layout.mode, a.layout.names] : a.layout.root.fields.length)}`
        const seen = byKey.get(ka)
        expect(seen === undefined || seen === sql, `${label}: key shared with other SQL`).toBe(true)
        byKey.set(ka, sql)
      }
      // Every structurally different description got its own key (the SQL or the mapping differs), except that
      // PostgreSQL binds an in-list as one array: 'in 2' and 'in 3' are one statement there.
      expect(byKey.size).toBe(cases.length - (d.features.hasArrayParams ? 1 : 0))
    })
  }

  it('an in-list length is structure where each value has a placeholder, not where the list is one array', () => {
    const key = (name: keyof typeof dialects, n: number) => {
      const s = post({ where: where({ id: { in: Array.from({ length: n }, (_, i) => i) } }) })
      const b = buildSelect(s, dialects[name].features)
      return shapeKey(b.node, b.layout, dialects[name].features)
    }
    expect(key('sqlite', 2)).not.toBe(key('sqlite', 3))
    expect(key('postgres', 2)).toBe(key('postgres', 3))
  })

  it('count, exists, aggregate, update and delete of one description have distinct keys', () => {
    const f = dialects.sqlite.features
    const s = post({ where: where({ views: 1 }) })
    const keys = [
      buildSelect(s, f),
      buildCount(s, f),
      buildExists(s, f),
      buildAggregate(s, f, { m: Max('views'), t: Sum('views') }),
      buildUpdate(s, f, { views: 2 }),
      buildDelete(s, f),
    ].map((b) => shapeKey(b.node, 'layout' in b ? (b.layout as RowLayout) : undefined, f))
    expect(new Set(keys).size).toBe(keys.length)
  })
})

describe("get()'s one-equality fast path", () => {
  const meta = blogSchema.get('Post')
  it('gives the key and parameter fastFilterKey gives, for every filter it takes', () => {
    const when = new Date(0)
    for (const filter of [
      { id: 7 },
      { pk: 7 },
      { title: 'x' },
      { published: true },
      { createdAt: when },
      { views: 3n },
    ]) {
      const name = oneEqualityName(meta, filter)
      expect(name).toBe(Object.keys(filter)[0])
      const params: unknown[] = []
      expect(oneEntryKey(name!)).toBe(fastFilterKey(meta, filter, false, params))
      expect([(filter as Record<string, unknown>)[name!]]).toEqual(params)
    }
  })
  it('declines what is not one equality on an own column with a plain value', () => {
    for (const filter of [
      {},
      { id: 1, title: 'x' },
      { views: { gt: 1 } },
      { title: null },
      { nope: 1 },
      { id: [1] },
      5,
      null,
    ])
      expect(oneEqualityName(meta, filter)).toBeUndefined()
  })
})
