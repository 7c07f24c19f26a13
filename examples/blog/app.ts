// The blog as a Hono app. Hono handlers are Fetch-API functions (Request in, Response out), the same shape as
// quarry/http's cachePage and profiler, so quarry's middleware plugs in without a translation layer.
import { Hono } from 'hono'
import type { BaseCache } from '../../src/cache/index.ts'
import { cachePage, type Profiler } from '../../src/http/index.ts'
import { IntegrityError, InvalidCursor } from '../../src/index.ts'
import { authorPage } from './pages/author.ts'
import { feedPage } from './pages/feed.ts'
import { postPage } from './pages/post.ts'
import { searchPage } from './pages/search.ts'
import { tagPage } from './pages/tag.ts'
import { PostForm, publish, writePage } from './pages/write.ts'
import type { BlogDb } from './schema.ts'

export interface BlogAppOptions {
  db: BlogDb
  cache: BaseCache
  /** The request profiler (`profiler(db)` from quarry/http), mounted first so it sees every page's statements. */
  profiler?: Profiler | undefined
}

const positiveInt = (s: string | undefined) => {
  const n = Number(s)
  return Number.isSafeInteger(n) && n > 0 ? n : undefined
}

export function createApp({ db, cache, profiler }: BlogAppOptions): Hono {
  const app = new Hono()
  // Records each request's statements and flags, and answers its dashboard at /__quarry/ (loopback clients only).
  if (profiler?.enabled) app.use('*', profiler.hono())

  // Browsers must ask again each time (they get a 304 while the page is unchanged): a max-age would let them show
  // their own copy of the feed after a post was written, however fast the server dropped its copy.
  app.use('/', async (c, next) => {
    await next()
    c.res.headers.set('cache-control', 'no-cache')
  })
  // The feed is the hottest page: cached whole for a minute, and dropped the moment a post, author or tag is written.
  const feedCache = cachePage.hono({ ttl: 60, cache, dependsOn: [db.Post, db.Author, db.Tag] })
  app.get('/', feedCache, async (c) => {
    try {
      return c.html(await feedPage(db, cache, { after: c.req.query('after'), before: c.req.query('before') }))
    } catch (e) {
      // A cursor edited by hand, or from before a change of ordering: start again from the newest posts.
      if (e instanceof InvalidCursor) return c.redirect('/', 303)
      throw e
    }
  })

  app.get('/posts/:id', async (c) => {
    const id = positiveInt(c.req.param('id'))
    const page = id && (await postPage(db, id))
    return page ? c.html(page) : c.notFound()
  })

  app.get('/authors/:id', async (c) => {
    const id = positiveInt(c.req.param('id'))
    const page = id && (await authorPage(db, id))
    return page ? c.html(page) : c.notFound()
  })

  app.get('/tags/:name', async (c) => {
    const page = await tagPage(db, c.req.param('name'), c.req.query('page'))
    return page ? c.html(page) : c.notFound()
  })

  app.get('/search', async (c) => c.html(await searchPage(db, c.req.query('q') ?? '')))

  app.get('/write', async (c) => c.html(await writePage(db)))

  app.post('/write', async (c) => {
    const form: Record<string, string> = { title: '', body: '', author: '', tags: '' }
    Object.assign(
      form,
      Object.fromEntries([...(await c.req.formData()).entries()].map(([k, v]) => [k, typeof v === 'string' ? v : ''])),
    )
    const parsed = PostForm.safeParse(form)
    if (!parsed.success)
      return c.html(
        await writePage(
          db,
          parsed.error.issues.map((i) => i.message),
          form,
        ),
        422,
      )
    try {
      return c.redirect(`/posts/${await publish(db, parsed.data)}`, 303)
    } catch (e) {
      // The author was deleted between the form and the post (or never existed): the foreign key says so.
      if (e instanceof IntegrityError) return c.html(await writePage(db, ['Author: unknown author'], form), 422)
      throw e
    }
  })

  return app
}
