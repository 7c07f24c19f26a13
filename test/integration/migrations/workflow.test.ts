import { renameSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, expect, it, vi } from 'vitest'
import { connect, type Database, defineSchema, sql } from '../../../src/index.ts'
import { describeEachBackend } from '../../support/backends.ts'
import { CliProject } from '../../support/cli-project.ts'

// Each test spawns the CLI several times (a Node process with type stripping, ~0.8 s of CPU each); on a loaded
// 2-core machine that is 2–5 s of wall time per spawn, which the default 20 s budget did not cover.
vi.setConfig({ testTimeout: 90_000, hookTimeout: 90_000 })

const v1 = `
const Author = model('Author', { name: f.string({ maxLength: 100 }) })
const Post = model('Post', {
  title: f.string({ maxLength: 200 }),
  author: f.foreignKey('Author', { relatedName: 'posts', onDelete: 'cascade' }),
}, { table: 'blog_post' })
export const schema = defineSchema({ Author, Post })`

const v2 = `
const Author = model('Author', { name: f.string({ maxLength: 100 }) })
const Post = model('Post', {
  title: f.string({ maxLength: 200 }),
  slug: f.string({ maxLength: 50, default: '' }),
  author: f.foreignKey('Author', { relatedName: 'posts', onDelete: 'cascade' }),
}, { table: 'blog_post', indexes: [index(['slug'])] })
export const schema = defineSchema({ Author, Post })`

const v3 = v2.replace('title: f.string({ maxLength: 200 })', 'headline: f.string({ maxLength: 200 })')
const v4 = v3.replace(/Author/g, 'Writer')
const v5 = v4
  .replace(
    "const Post = model('Post', {",
    "const Tag = model('Tag', { name: f.string({ maxLength: 50 }) })\nconst Post = model('Post', {\n  tags: f.manyToMany('Tag'),",
  )
  .replace('defineSchema({ Writer, Post })', 'defineSchema({ Writer, Post, Tag })')
const withField = (name: string) =>
  v4.replace('slug: f.string', `${name}: f.integer({ null: true }),\n  slug: f.string`)

describeEachBackend(
  'migrations workflow through the quarry CLI',
  (backend) => {
    let project: CliProject
    let db: Database
    const columns = async (table: string) =>
      (await db.executor.backend('default').introspector.columns(table)).map((c) => c.name)
    const tables = () => db.executor.backend('default').introspector.tables()
    const count = async (table: string) =>
      Number((await db.query<{ n: number }>(sql`SELECT COUNT(*) AS n FROM ${sql.ident(table)}`))[0]!.n)

    beforeAll(async () => {
      project = new CliProject(await backend.freshUrl())
      db = await connect(project.url, defineSchema({}))
    })
    afterAll(async () => {
      await db?.close()
      project?.remove()
    })

    it('initial migration, migrate, showmigrations', async () => {
      project.models(v1)
      const made = await project.run(['makemigrations'])
      expect(made.stderr).toBe('')
      expect(made.code).toBe(0)
      expect(project.migrations()).toEqual(['0001_initial.ts'])
      const m = await project.run(['migrate'])
      expect(m.code, m.stderr).toBe(0)
      expect(m.stdout).toContain('Applying 0001_initial... OK')
      expect((await tables()).sort()).toEqual(['author', 'blog_post', 'quarry_migrations'])
      await db.execute(sql`INSERT INTO author (name) VALUES (${'Bharat'})`)
      await db.execute(sql`INSERT INTO blog_post (title, author_id) VALUES (${'Hello'}, 1)`)
      const shown = await project.run(['showmigrations'])
      expect(shown.stdout.trim()).toBe('[X] 0001_initial')
    })

    it('add a field and an index: --check fails before and passes after; sqlmigrate shows the SQL', async () => {
      project.models(v2)
      const before = await project.run(['makemigrations', '--check'])
      expect(before.code).toBe(1)
      expect(before.stdout).toContain('Add field slug to Post')
      expect(project.migrations()).toEqual(['0001_initial.ts'])
      const made = await project.run(['makemigrations'])
      expect(made.code, made.stderr).toBe(0)
      expect(project.migrations()).toEqual(['0001_initial.ts', '0002_post_slug_post_slug_idx.ts'])
      expect((await project.run(['makemigrations', '--check'])).code).toBe(0)

      const s = await project.run(['sqlmigrate', '0002'])
      expect(s.code, s.stderr).toBe(0)
      if (backend.vendor === 'postgres') {
        expect(s.stdout).toContain(
          `ALTER TABLE "blog_post" ADD COLUMN "slug" varchar(50) DEFAULT '' NOT NULL;\nALTER TABLE "blog_post" ALTER COLUMN "slug" DROP DEFAULT;`,
        )
        expect(s.stdout).toMatch(
          /COMMIT;\n--\n-- Create index on Post \(slug\)\n--\n-- outside a transaction[^\n]*\nCREATE INDEX CONCURRENTLY "blog_post_slug_[0-9a-f]{8}_idx" ON "blog_post" \("slug"\);/,
        )
        expect(s.stdout).toContain("SET LOCAL lock_timeout = '5000ms';")
      } else if (backend.vendor === 'mysql') {
        expect(s.stdout).toContain(
          "ALTER TABLE `blog_post` ADD COLUMN `slug` varchar(50) DEFAULT '' NOT NULL;\nALTER TABLE `blog_post` ALTER COLUMN `slug` DROP DEFAULT;",
        )
        expect(s.stdout).toMatch(/CREATE INDEX `blog_post_slug_[0-9a-f]{8}_idx` ON `blog_post` \(`slug`\);/)
        expect(s.stdout).not.toContain('BEGIN')
      } else {
        expect(s.stdout).toContain(`ALTER TABLE "blog_post" ADD COLUMN "slug" varchar(50) DEFAULT '' NOT NULL;`)
        expect(s.stdout).toMatch(
          /CREATE INDEX "blog_post_slug_[0-9a-f]{8}_idx" ON "blog_post" \("slug"\);\nPRAGMA foreign_key_check;\nCOMMIT;\nPRAGMA foreign_keys = ON;\n$/,
        )
        expect(s.stdout).toContain('PRAGMA foreign_keys = OFF;\n--\n-- Add field slug to Post\n--\nBEGIN IMMEDIATE;')
      }

      const m = await project.run(['migrate'])
      expect(m.code, m.stderr).toBe(0)
      expect(await columns('blog_post')).toEqual(['id', 'title', 'author_id', 'slug'])
      const ix = await db.executor.backend('default').introspector.indexes('blog_post')
      expect(ix.some((i) => i.columns.join() === 'slug')).toBe(true)
      expect((await db.query<{ slug: string }>(sql`SELECT slug FROM blog_post`))[0]!.slug).toBe('')
    })

    it('back to 0001 and forward again, keeping the rows', async () => {
      const back = await project.run(['migrate', '0001'])
      expect(back.code, back.stderr).toBe(0)
      expect(back.stdout).toContain('Unapplying 0002_post_slug_post_slug_idx... OK')
      expect(await columns('blog_post')).toEqual(['id', 'title', 'author_id'])
      expect(await count('blog_post')).toBe(1)
      expect((await project.run(['showmigrations'])).stdout).toContain('[ ] 0002_post_slug_post_slug_idx')
      const plan = await project.run(['migrate', '--plan'])
      expect(plan.stdout).toContain('0002_post_slug_post_slug_idx\n    Add field slug to Post')
      const fwd = await project.run(['migrate'])
      expect(fwd.code, fwd.stderr).toBe(0)
      expect(await columns('blog_post')).toEqual(['id', 'title', 'author_id', 'slug'])
      expect(await count('blog_post')).toBe(1)
      expect(await count('author')).toBe(1)
    })

    it('a field rename: an error without a terminal, then --rename', async () => {
      project.models(v3)
      const asked = await project.run(['makemigrations'])
      expect(asked.code).toBe(1)
      expect(asked.stderr).toContain('--rename Post.title=headline')
      expect(project.migrations()).toHaveLength(2)
      const made = await project.run(['makemigrations', '--rename', 'Post.title=headline'])
      expect(made.code, made.stderr).toBe(0)
      expect(made.stdout).toContain('Rename field title on Post to headline')
      expect(made.stderr).toContain('renames the column of Post.title') // the linter's warning
      expect((await project.run(['migrate'])).code).toBe(0)
      expect(await columns('blog_post')).toEqual(['id', 'headline', 'author_id', 'slug'])
      expect((await db.query<{ headline: string }>(sql`SELECT headline FROM blog_post`))[0]!.headline).toBe('Hello')
    })

    it('a model rename keeps the rows and the foreign key', async () => {
      project.models(v4)
      const made = await project.run(['makemigrations', '--rename', 'Author=Writer'])
      expect(made.code, made.stderr).toBe(0)
      expect(made.stdout).toContain('Rename model Author to Writer')
      const m = await project.run(['migrate'])
      expect(m.code, m.stderr).toBe(0)
      expect((await tables()).sort()).toEqual(['blog_post', 'quarry_migrations', 'writer'])
      expect(await count('writer')).toBe(1)
      const fks = await db.executor.backend('default').introspector.foreignKeys('blog_post')
      expect(fks.map((f) => [f.column, f.table])).toEqual([['author_id', 'writer']])
      await expect(
        db.execute(sql`INSERT INTO blog_post (headline, slug, author_id) VALUES (${'x'}, ${''}, 99)`),
      ).rejects.toThrow()
    })

    it('a many-to-many added and removed', async () => {
      project.models(v5)
      const add = await project.run(['makemigrations', '--name', 'tags'])
      expect(add.code, add.stderr).toBe(0)
      expect((await project.run(['migrate'])).code).toBe(0)
      expect((await tables()).sort()).toEqual(['blog_post', 'blog_post_tags', 'quarry_migrations', 'tag', 'writer'])
      expect(await columns('blog_post_tags')).toEqual(['id', 'post_id', 'tag_id'])
      project.models(v4)
      const drop = await project.run(['makemigrations', '--name', 'no_tags'])
      expect(drop.code, drop.stderr).toBe(0)
      expect(drop.stdout).toContain('Remove field tags from Post')
      expect(drop.stdout).toContain('Delete model Tag')
      expect((await project.run(['migrate'])).code).toBe(0)
      expect((await tables()).sort()).toEqual(['blog_post', 'quarry_migrations', 'writer'])
    })

    it('two branches: a conflict error, then --merge', async () => {
      project.models(withField('likes'))
      expect((await project.run(['makemigrations', '--name', 'likes'])).code).toBe(0)
      const dir = join(project.dir, 'migrations')
      // Branch A's file is set aside while branch B makes its own migration from the same parent.
      renameSync(join(dir, '0007_likes.ts'), join(project.dir, 'likes.ts.keep'))
      project.models(withField('shares'))
      expect((await project.run(['makemigrations', '--name', 'shares'])).code).toBe(0)
      renameSync(join(project.dir, 'likes.ts.keep'), join(dir, '0007_likes.ts'))
      project.models(
        withField('likes').replace(
          'likes: f.integer({ null: true }),',
          'likes: f.integer({ null: true }),\n  shares: f.integer({ null: true }),',
        ),
      )

      const m = await project.run(['migrate'])
      expect(m.code).toBe(1)
      expect(m.stderr).toContain('0007_likes and 0007_shares')
      expect(m.stderr).toContain('makemigrations --merge')
      const mm = await project.run(['makemigrations'])
      expect(mm.code).toBe(1)
      expect(mm.stderr).toContain('makemigrations --merge')

      const merged = await project.run(['makemigrations', '--merge'])
      expect(merged.code, merged.stderr).toBe(0)
      expect(project.migrations()).toContain('0008_merge_0007_0007.ts')
      const ok = await project.run(['migrate'])
      expect(ok.code, ok.stderr).toBe(0)
      expect(await columns('blog_post')).toEqual(expect.arrayContaining(['likes', 'shares']))
      expect((await project.run(['makemigrations', '--check'])).code).toBe(0)
      const shown = (await project.run(['showmigrations'])).stdout.trim().split('\n')
      expect(shown).toHaveLength(9)
      expect(shown.every((l) => l.startsWith('[X] '))).toBe(true)
    })
  },
  { driverVariants: false },
) // the CLI in child processes; both drivers are the contract suites' job
