// Two migrate processes started together apply each migration once, on every backend: the lock is taken before
// the applied migrations are read.
import { expect, it } from 'vitest'
import { connect, defineSchema, sql } from '../../../src/index.ts'
import { describeEachBackend } from '../../support/backends.ts'
import { CliProject } from '../../support/cli-project.ts'

const models = (extra: string) =>
  `const Post = model('Post', { title: f.string({ maxLength: 200 })${extra} })\nexport const schema = defineSchema({ Post })`

describeEachBackend('concurrent migrate', (backend) => {
  it('two processes, each migration applied once', async () => {
    const p = new CliProject(await backend.freshUrl())
    try {
      p.models(models(''))
      expect((await p.run(['makemigrations'])).code).toBe(0)
      p.models(models(', views: f.integer({ default: 0 })'))
      expect((await p.run(['makemigrations', '--name', 'views'])).code).toBe(0)
      p.models(models(", views: f.integer({ default: 0 }), body: f.text({ default: '' })"))
      expect((await p.run(['makemigrations', '--name', 'body'])).code).toBe(0)

      const [a, b] = await Promise.all([p.run(['migrate']), p.run(['migrate'])])
      expect(a.code, a.stderr).toBe(0)
      expect(b.code, b.stderr).toBe(0)
      expect((`${a.stdout}${b.stdout}`.match(/Applying \S+/g) ?? []).sort()).toEqual([
        'Applying 0001_initial...',
        'Applying 0002_views...',
        'Applying 0003_body...',
      ])
      const db = await connect(p.url.startsWith('sqlite:./') ? `sqlite:${p.dir}/app.db` : p.url, defineSchema({}))
      try {
        const rows = await db.query<{ name: string }>(sql`SELECT name FROM quarry_migrations ORDER BY name`)
        expect(rows.map((r) => r.name)).toEqual(['0001_initial', '0002_views', '0003_body'])
      } finally {
        await db.close()
      }
    } finally {
      p.remove()
    }
  })
})
