// The autodetector finds every kind of change (fields of every kind and option, indexes, constraints, tables,
// relations), the writer prints each as code, and replaying the operations gives exactly the models again.
import { describe, expect, it } from 'vitest'
import { defineSchema, f, index, MigrationError, model } from '../../src/index.ts'
import { detectChanges, renameFlags } from '../../src/migrations/autodetector.ts'
import { MigrationGraph } from '../../src/migrations/graph.ts'
import { lintOperations } from '../../src/migrations/linter.ts'
import { migration } from '../../src/migrations/migration.ts'
import { describe as describeOp, type Operation } from '../../src/migrations/operations/operation.ts'
import { stateForwards } from '../../src/migrations/operations/state-forwards.ts'
import { ProjectState } from '../../src/migrations/state.ts'
import { operation } from '../../src/migrations/writer.ts'
import type { AnyField } from '../../src/model/fields/field.ts'

const none = { given: () => undefined }
const Author = () => model('Author', { name: f.string({ maxLength: 100 }) })
const Through = () =>
  model('Membership', { post: f.foreignKey('Post'), author: f.foreignKey('Author'), role: f.string({ maxLength: 10 }) })

function stateOf(post: Record<string, AnyField>, options = {}, extra = {}): ProjectState {
  return ProjectState.fromSchema(
    defineSchema({ Author: Author(), Post: model('Post', post, options), Membership: Through(), ...extra }),
  )
}

async function diff(a: ProjectState, b: ProjectState): Promise<Operation[]> {
  const ops = await detectChanges(a, b, none)
  // Replaying the operations reaches the models: nothing is left to detect.
  const replay = a.clone()
  for (const o of ops) stateForwards(replay, o)
  expect(await detectChanges(replay, b, none)).toEqual([])
  return ops
}

const kinds: Record<string, () => AnyField> = {
  string: () => f.string({ maxLength: 20, dbIndex: true }),
  text: () => f.text({ default: '' }),
  integer: () => f.integer({ default: 0 }),
  bigint: () => f.bigint({ default: 10n, null: true }),
  float: () => f.float({ null: true }),
  decimal: () => f.decimal({ maxDigits: 10, decimalPlaces: 2, default: '0.00' }),
  boolean: () => f.boolean({ default: false }),
  datetime: () => f.datetime({ autoNowAdd: true }),
  date: () => f.date({ null: true, column: 'the_day' }),
  json: () => f.json({ default: { tags: ['a'] } }),
  uuid: () => f.uuid({ unique: true, null: true }),
  enum: () => f.enum(['draft', 'published'], { default: 'draft' }),
  foreignKey: () => f.foreignKey('Author', { onDelete: 'setNull', null: true, relatedName: 'posts', dbIndex: false }),
  oneToOne: () => f.oneToOne('Author', { onDelete: 'protect', relatedName: 'only' }),
  manyToMany: () => f.manyToMany('Author', { relatedName: 'tagged' }),
  through: () => f.manyToMany('Author', { through: 'Membership', relatedName: 'members' }),
}

describe('autodetector', () => {
  // Field objects bind to one schema: each state gets fresh ones.
  const base = () => ({ title: f.string({ maxLength: 200 }) })
  for (const [kind, make] of Object.entries(kinds))
    it(`adds, alters and removes a ${kind} field, and writes it as code`, async () => {
      const without = stateOf(base())
      const withField = stateOf({ ...base(), extra: make() })
      const added = await diff(without, withField)
      expect(added.map(describeOp)).toEqual(['Add field extra to Post'])
      const code = operation(added[0]!)
      expect(code).toMatch(
        kind === 'through'
          ? /f\.manyToMany\('Author', \{ .*through: 'Membership'/
          : new RegExp(`f\\.${kind === 'through' ? 'manyToMany' : kind}\\(`),
      )
      // Every option is written: the code names each of them.
      for (const k of Object.keys(make().options).filter(
        (k) => k !== 'choices' && !(kind === 'enum' && k === 'maxLength'),
      ))
        expect(code).toContain(`${k}:`)
      expect((await diff(withField, without)).map(describeOp)).toEqual(['Remove field extra from Post'])
    })

  it('alters a field when any option changes, including onDelete and the column', async () => {
    const changes: [AnyField, AnyField][] = [
      [f.string({ maxLength: 20 }), f.string({ maxLength: 40 })],
      [f.integer(), f.integer({ null: true })],
      [f.integer(), f.bigint()],
      [f.foreignKey('Author', { onDelete: 'cascade' }), f.foreignKey('Author', { onDelete: 'restrict' })],
      [f.text(), f.text({ column: 'body_text' })],
      [f.enum(['a', 'b']), f.enum(['a', 'b', 'c'])],
      [f.string({ maxLength: 5 }), f.string({ maxLength: 5, unique: true })],
    ]
    for (const [a, b] of changes) {
      const ops = await diff(stateOf({ ...base(), x: a }), stateOf({ ...base(), x: b }))
      expect(ops.map(describeOp)).toEqual(['Alter field x on Post'])
    }
  })

  it('indexes (composite, partial, ordered), unique constraints and table renames', async () => {
    const a = stateOf(base())
    const b = stateOf(
      { ...base(), views: f.integer({ default: 0 }) },
      {
        table: 'blog_post',
        indexes: [index(['title', '-views']), index(['title'], { where: { views: 0 } })],
        uniqueTogether: [['title', 'views']],
      },
    )
    const ops = await diff(a, b)
    expect(ops.map(describeOp)).toEqual([
      'Rename table of Post to blog_post',
      'Add field views to Post',
      'Create index on Post (title, -views)',
      'Create index on Post (title) (partial)',
      'Create constraint on Post unique (title, views)',
    ])
    expect(ops.filter((o) => o.type === 'addIndex').every((o) => o.type === 'addIndex' && o.concurrently)).toBe(true)
    // Indexes and constraints over a removed field go with it (the schema diff drops them before the column);
    // a partial index that only filters on it is removed explicitly.
    expect((await diff(b, a)).map(describeOp)).toEqual([
      'Rename table of Post to (default)',
      'Remove index on Post (title)',
      'Remove field views from Post',
    ])
  })

  it('models: created in dependency order (a cycle becomes a later addField), deleted children first', async () => {
    const empty = new ProjectState()
    const A = model('A', { b: f.foreignKey('B', { null: true }) })
    const B = model('B', { a: f.foreignKey('A', { null: true }), c: f.foreignKey('C') })
    const C = model('C', { name: f.text() })
    const full = ProjectState.fromSchema(defineSchema({ A, B, C }))
    const ops = await diff(empty, full)
    expect(ops.map(describeOp)).toEqual(['Create model C', 'Create model B', 'Create model A', 'Add field a to B'])
    // A and B point at each other: their foreign keys go first, then the tables, what others point at last.
    const deletes = (await diff(full, empty)).map(describeOp)
    expect(deletes.slice(0, 2).sort()).toEqual(['Remove field a from B', 'Remove field b from A'])
    expect(deletes.at(-1)).toBe('Delete model C')
    expect(deletes.slice(2).sort()).toEqual(['Delete model A', 'Delete model B', 'Delete model C'])
  })

  it('renames: an error naming --rename without a terminal; the flags or the question decide', async () => {
    const a = stateOf(base())
    const b = stateOf({ headline: f.string({ maxLength: 200 }) })
    const err = await detectChanges(a, b, none).catch((e) => e)
    expect(err).toBeInstanceOf(MigrationError)
    expect(err.message).toContain('--rename Post.title=headline')
    expect((await detectChanges(a, b, renameFlags(['Post.title=headline']))).map(describeOp)).toEqual([
      'Rename field title on Post to headline',
    ])
    expect((await detectChanges(a, b, renameFlags(['Post.title=-']))).map(describeOp)).toEqual([
      'Remove field title from Post',
      'Add field headline to Post',
    ])
    const asked: string[] = []
    const yes = await detectChanges(a, b, {
      given: () => undefined,
      ask: async (q) => {
        asked.push(q)
        return true
      },
    })
    expect(asked).toEqual(['Did you rename Post.title to Post.headline? [y/N] '])
    expect(yes.map(describeOp)).toEqual(['Rename field title on Post to headline'])
    const writer = ProjectState.fromSchema(
      defineSchema({ Writer: model('Writer', { name: f.string({ maxLength: 100 }) }) }),
    )
    const author = ProjectState.fromSchema(defineSchema({ Author: Author() }))
    expect((await detectChanges(author, writer, renameFlags(['Author=Writer']))).map(describeOp)).toEqual([
      'Rename model Author to Writer',
    ])
  })
})

describe('migration graph', () => {
  const m = (name: string, deps: string[]) => ({
    name,
    file: `${name}.ts`,
    migration: migration({ dependencies: deps, operations: [] }),
  })
  it('names a missing dependency, a cycle and a conflict with its fix', () => {
    expect(() => new MigrationGraph([m('0001_a', []), m('0002_b', ['0001_x'])])).toThrow(
      "Migration 0002_b.ts depends on '0001_x', which does not exist.",
    )
    expect(() => new MigrationGraph([m('0001_a', ['0002_b']), m('0002_b', ['0001_a'])])).toThrow(
      /cycle: 0001_a -> 0002_b -> 0001_a/,
    )
    const g = new MigrationGraph([m('0001_a', []), m('0002_b', ['0001_a']), m('0002_c', ['0001_a'])])
    expect(() => g.assertNoConflicts()).toThrow('Run `quarry makemigrations --merge`')
    expect(g.forwardsPlan(g.leaves())).toEqual(['0001_a', '0002_b', '0002_c'])
    expect(() => g.resolve('0002')).toThrow("'0002' matches 0002_b, 0002_c: give more of the name.")
  })
})

describe('the linter', () => {
  it('reports what locks or loses data, with the safe alternative, unless marked unsafe', () => {
    const state = stateOf({ title: f.string({ maxLength: 200 }), note: f.text({ null: true }) })
    const findings = lintOperations(
      '0002_x.ts',
      [
        { type: 'removeField', model: 'Post', name: 'note' },
        { type: 'addField', model: 'Post', name: 'score', field: f.integer() },
        { type: 'alterField', model: 'Post', name: 'title', field: f.text() },
        { type: 'renameField', model: 'Post', oldName: 'title', newName: 'headline' },
        { type: 'addIndex', model: 'Post', index: { fields: ['headline'] } },
        { type: 'deleteModel', name: 'Membership', unsafe: 'unused since v3' },
      ],
      state,
    )
    expect(findings.map((x) => [x.operation, x.message.split(':')[0]])).toEqual([
      [1, 'drops column Post.note'],
      [2, 'adds NOT NULL column Post.score without a default'],
      [3, 'changes the type of Post.title'],
      [4, 'renames the column of Post.title'],
      [5, 'builds an index on Post while blocking writes to the table on PostgreSQL. Pass { concurrently'],
    ])
    expect(findings[1]!.message).toContain('Add it with null: true (or a default), backfill it')
  })
})
