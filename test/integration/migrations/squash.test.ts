// squashmigrations: the optimizer folds create + add + alter + rename, and the squashed file stands in for the
// migrations it replaces, on a database that applied them and on a fresh one.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { connect, defineSchema, f, index } from '../../../src/index.ts'
import { op } from '../../../src/migrations/index.ts'
import { optimize } from '../../../src/migrations/optimizer.ts'
import { CliProject } from '../../support/cli-project.ts'

// Each test spawns the CLI several times (a Node process with type stripping, ~0.8 s of CPU each); on a loaded
// 2-core machine that is 2–5 s of wall time per spawn, which the default 20 s budget did not cover.
vi.setConfig({ testTimeout: 90_000, hookTimeout: 90_000 })

describe('the optimizer', () => {
  it('folds a created model with what follows it, and what is created then deleted', () => {
    const ops = optimize([
      op.createModel('Post', { title: f.string({ maxLength: 10 }) }),
      op.createModel('Tag', { name: f.string({ maxLength: 10 }) }),
      op.addField('Post', 'slug', f.string({ maxLength: 20, null: true })),
      op.alterField('Post', 'title', f.string({ maxLength: 200 })),
      op.renameField('Post', 'slug', 'handle'),
      op.addIndex('Post', index(['handle'])),
      op.deleteModel('Tag'),
    ])
    expect(ops).toHaveLength(1)
    const create = ops[0] as Extract<(typeof ops)[number], { type: 'createModel' }>
    expect(Object.keys(create.fields)).toEqual(['title', 'handle'])
    expect(create.fields.title!.options.maxLength).toBe(200)
    expect(create.options.indexes).toEqual([{ fields: ['handle'] }])
  })

  it('never moves an operation across one it depends on, nor across raw SQL', () => {
    const ops = [
      op.createModel('Post', { title: f.string({ maxLength: 10 }) }),
      op.createModel('Author', { name: f.string({ maxLength: 10 }) }),
      op.addField('Post', 'author', f.foreignKey('Author')),
      op.runSql('SELECT 1', { reverse: '' }),
      op.addField('Post', 'views', f.integer({ default: 0 })),
    ]
    expect(optimize(ops).map((o) => o.type)).toEqual(['createModel', 'createModel', 'addField', 'runSql', 'addField'])
  })
})

const body = (fields: string) => `
const Post = model('Post', { ${fields} })
export const schema = defineSchema({ Post })`

describe('quarry squashmigrations', () => {
  let p: CliProject
  beforeAll(() => {
    p = new CliProject('sqlite:./app.db')
  })
  afterAll(() => p.remove())

  it('replaces four migrations with one, for a database that applied them and for a fresh one', async () => {
    p.models(body('title: f.string({ maxLength: 10 })'))
    expect((await p.run(['makemigrations'])).code).toBe(0)
    p.models(body('title: f.string({ maxLength: 10 }), views: f.integer({ default: 0 })'))
    expect((await p.run(['makemigrations'])).code).toBe(0)
    p.models(body('title: f.string({ maxLength: 200 }), views: f.integer({ default: 0 })'))
    expect((await p.run(['makemigrations'])).code).toBe(0)
    p.models(body('headline: f.string({ maxLength: 200 }), views: f.integer({ default: 0 })'))
    expect((await p.run(['makemigrations', '--rename', 'Post.title=headline'])).code).toBe(0)
    expect((await p.run(['migrate'])).code).toBe(0)

    const s = await p.run(['squashmigrations', '0001', '0004'])
    expect(s.code, s.stderr).toBe(0)
    expect(s.stdout).toContain('Squashed 4 migrations (4 operations -> 1)')
    const squashed = p.migrations().find((m) => m.includes('squashed'))!
    expect(squashed).toBe('0001_squashed_0004_rename_title_post_headline.ts')
    expect((await p.run(['makemigrations', '--check'])).code).toBe(0)
    expect((await p.run(['migrate'])).stdout).toContain('No migrations to apply.')
    const shown = (await p.run(['showmigrations'])).stdout
    expect(shown.trim()).toBe('[X] 0001_squashed_0004_rename_title_post_headline (4 squashed migrations)')

    const fresh = await p.run(['migrate'], { DATABASE_URL: 'sqlite:./fresh.db' })
    expect(fresh.code, fresh.stderr).toBe(0)
    expect(fresh.stdout).toContain('Applying 0001_squashed_0004_rename_title_post_headline... OK')
    const db = await connect(`sqlite:${p.dir}/fresh.db`, defineSchema({}))
    try {
      const cols = await db.executor.backend('default').introspector.columns('post')
      expect(cols.map((c) => [c.name, c.type])).toEqual([
        ['id', 'integer'],
        ['headline', 'varchar(200)'],
        ['views', 'integer'],
      ])
    } finally {
      await db.close()
    }
  })
})
