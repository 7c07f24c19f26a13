// The profiler's dashboard in a real headless Chromium (Debian's package, driven by playwright-core): the list
// renders and sorts, a click opens a request, the N+1 flag and its fix are visible, EXPLAIN opens, and the page
// logs no console error (a CSP violation would be one). QUARRY_SCREENSHOTS=1 refreshes docs/img/.
import { existsSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type Browser, chromium, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { type Profiler, profiler } from '../../src/http/index.ts'
import { connect, type Db } from '../../src/index.ts'
import { blogSchema } from '../support/blog-schema.ts'
import { serveFetch } from '../support/fetch-server.ts'

const CHROMIUM = '/usr/bin/chromium'
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
]
const shots = process.env.QUARRY_SCREENSHOTS === '1' ? 'docs/img' : mkdtempSync(join(tmpdir(), 'quarry-shots-'))

const available = existsSync(CHROMIUM)
if (!available) {
  if (process.env.CI === 'true') throw new Error(`Chromium is required under CI=true: ${CHROMIUM} is missing.`)
  console.warn(`\n!!! SKIPPING the dashboard browser tests: ${CHROMIUM} is missing (apt-get install -y chromium)\n`)
}

describe.skipIf(!available)('profiler dashboard in Chromium', () => {
  let db: Db<typeof blogSchema.$models>
  let prof: Profiler
  let server: { url: string; close(): Promise<void> }
  let browser: Browser
  let page: Page
  const problems: string[] = []

  beforeAll(async () => {
    vi.spyOn(process, 'emitWarning').mockImplementation(() => {})
    db = await connect('sqlite::memory:', blogSchema)
    await db.createTables()
    for (const name of ['Ada', 'Grace', 'Barbara']) {
      const author = await db.Author.create({ name })
      for (let i = 0; i < 5; i++) await db.Post.create({ title: `${name} ${i}`, author, views: i * 10 })
    }
    prof = profiler(db, { slowMs: 1000 })
    server = await serveFetch(
      prof.wrap(async (req: Request) => {
        const path = new URL(req.url).pathname
        if (path === '/feed') {
          const lines: string[] = []
          for (const post of await db.Post.all().slice(0, 10))
            lines.push(`${post.title} by ${(await post.author)!.name}`)
          return new Response(lines.join('\n'))
        }
        if (path === '/authors') {
          const authors = await db.Author.prefetchRelated('posts')
          return Response.json(authors.map((a) => a.name))
        }
        if (path === '/post') return Response.json(await db.Post.filter({ views: { gte: 20 } }).first())
        return new Response('not found', { status: 404 })
      }),
    )
    for (const p of ['/post', '/feed', '/authors', '/post']) await fetch(server.url + p).then((r) => r.text())
    browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS, timeout: 60_000 })
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } })
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`)
    })
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`))
    page.on('requestfailed', (r) => problems.push(`requestfailed: ${r.url()}`))
  }, 90_000)

  afterAll(async () => {
    await browser?.close()
    await server?.close()
    await prof?.close()
    await db?.close()
    vi.restoreAllMocks()
  })

  it('lists the requests and sorts them by query count', async () => {
    await page.goto(`${server.url}/__quarry/`)
    const rows = page.locator('#requests tbody tr')
    expect(await rows.count()).toBe(4)
    expect(await rows.first().locator('a.req').textContent()).toBe('GET /post')
    await page.getByRole('link', { name: 'Queries' }).click()
    await page.waitForURL(/sort=queries/)
    expect(await page.locator('#requests tbody tr').first().locator('a.req').textContent()).toBe('GET /feed')
    await expect.poll(() => page.locator('#requests tbody tr').first().textContent()).toMatch(/N\+1/)
    await page.screenshot({ path: join(shots, 'profiler-requests.png'), fullPage: true })
  })

  it('opens a request: the N+1 flag and its fix are visible', async () => {
    await page.locator('a.req', { hasText: 'GET /feed' }).click()
    await page.waitForURL(/\/__quarry\/requests\/\d+$/)
    const n1 = page.locator('.report.nPlusOne')
    expect(await n1.isVisible()).toBe(true)
    expect(await n1.textContent()).toMatch(/N\+1 query: Post\.author loaded lazily/)
    expect(await n1.locator('.fix').textContent()).toMatch(/Add \.selectRelated\('author'\)/)
    expect(await page.locator('#queries tbody tr').count()).toBe(11)
    await page.screenshot({ path: join(shots, 'profiler-request.png'), fullPage: true })
  })

  it('opens EXPLAIN for a statement', async () => {
    await page.locator('#q-0 button.explain').click()
    await page.waitForURL(/explain#q-0$/)
    const plan = page.locator('#plan-0')
    expect(await plan.isVisible()).toBe(true)
    expect(await plan.textContent()).toMatch(/SCAN blog_post|SEARCH blog_post/)
    await plan.scrollIntoViewIfNeeded()
    await page.screenshot({ path: join(shots, 'profiler-explain.png'), fullPage: false })
  })

  it('logged no console error, CSP violation or failed load', () => {
    expect(problems).toEqual([])
  })
})
