import { execFileSync } from 'node:child_process'
import { resolve } from 'node:path'
import { expect, it } from 'vitest'

const root = resolve(import.meta.dirname, '../..')

// The demo's profiling section, on a small database: it flags the three pages and applies the advised index.
it('npm run demo profiles three pages and applies the index advise proposes', () => {
  const out = execFileSync(process.execPath, ['examples/demo/main.ts', '--posts', '3000', '--seed', '7'], {
    cwd: root,
    encoding: 'utf8',
    timeout: 120_000,
  })
  expect(out).toContain('9. Profile regularly')
  expect(out).toMatch(/GET \/feed {2}21 queries/)
  expect(out).toContain('N+1 query: Post.author loaded lazily for 2+ posts of one result at examples/demo/profiling.ts')
  expect(out).toContain("Unused eager load: Author.prefetchRelated('posts')")
  expect(out).toContain("Post: add  indexes: [index(['published', '-views'])]")
  expect(out).toMatch(/before: .*SCAN blog_post \| USE TEMP B-TREE FOR ORDER BY/)
  expect(out).toMatch(/after: .*SEARCH blog_post USING INDEX blog_post_published_views_idx/)
}, 150_000)
