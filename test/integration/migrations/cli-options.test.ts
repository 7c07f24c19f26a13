// makemigrations --dry-run / --empty / --name, and migrate --fake / --plan through the real CLI.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CliProject } from '../../support/cli-project.ts'

describe('quarry makemigrations and migrate options', () => {
  let p: CliProject
  beforeAll(async () => {
    p = new CliProject('sqlite:./app.db')
    p.models(
      "const Post = model('Post', { title: f.string({ maxLength: 200 }) })\nexport const schema = defineSchema({ Post })",
    )
    expect((await p.run(['makemigrations'])).code).toBe(0)
    expect((await p.run(['migrate'])).code).toBe(0)
  })
  afterAll(() => p.remove())

  it('--dry-run prints the file and writes nothing', async () => {
    p.models(
      "const Post = model('Post', { title: f.string({ maxLength: 200 }), views: f.integer({ default: 0 }) })\nexport const schema = defineSchema({ Post })",
    )
    const r = await p.run(['makemigrations', '--dry-run'])
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('Migration 0002_post_views.ts (dry run, nothing written):')
    expect(r.stdout).toContain("op.addField('Post', 'views', f.integer({ default: 0 }))")
    expect(p.migrations()).toEqual(['0001_initial.ts'])
  })

  it('--empty --name writes an empty migration to fill in, after the latest one', async () => {
    const r = await p.run(['makemigrations', '--empty', '--name', 'backfill'])
    expect(r.code, r.stderr).toBe(0)
    expect(p.migrations()).toEqual(['0001_initial.ts', '0002_backfill.ts'])
    const text = readFileSync(join(p.dir, 'migrations', '0002_backfill.ts'), 'utf8')
    expect(text).toContain("dependencies: ['0001_initial'],\n  operations: [],")
    expect(text).toContain("import { migration, op } from 'quarry/migrations'")
    expect(text).not.toContain("from 'quarry'\n") // nothing from quarry itself is needed
  })

  it('--plan shows what would run; --fake records without running', async () => {
    const plan = await p.run(['migrate', '--plan'])
    expect(plan.stdout).toBe('Planned operations:\n0002_backfill\n')
    const fake = await p.run(['migrate', '--fake'])
    expect(fake.stdout).toContain('Applying 0002_backfill... FAKED')
    expect((await p.run(['showmigrations'])).stdout).toBe('[X] 0001_initial\n[X] 0002_backfill\n')
    expect((await p.run(['migrate', '--plan'])).stdout).toBe('No planned migration operations.\n')
  })
})
