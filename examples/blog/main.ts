// `npm run example`: the blog on a SQLite file (seeded once with the demo's data), served on a free port.
//   DATABASE_URL=postgres://…  use a server instead of examples/blog/blog.db
//   CACHE_URL=redis://…        share the cache (pages, queries, boxes) in Redis instead of this process's memory
//   PORT=3000                   a fixed port instead of a free one
//   node examples/blog/main.ts [--posts 100000] [--seed 42]
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { bold, dim, progressBar } from '../demo/report.ts'
import { startBlog } from './server.ts'

const { values: args } = parseArgs({
  options: { posts: { type: 'string', default: '100000' }, seed: { type: 'string', default: '42' } },
})
const databaseUrl = process.env.DATABASE_URL ?? `sqlite:${fileURLToPath(new URL('./blog.db', import.meta.url))}`
const posts = Number(args.posts)

console.log(bold('\nquarry blog example\n'))
const hidePassword = (url: string) => url.replace(/\/\/([^:@/]+):[^@/]+@/, '//$1:***@')
console.log(`database ${dim(hidePassword(databaseUrl))}`)
console.log(`cache    ${dim(hidePassword(process.env.CACHE_URL ?? 'memory://?maxEntries=10000'))}`)
let bar: ((done: number) => void) | undefined
const started = performance.now()
const blog = await startBlog({
  databaseUrl,
  cacheUrl: process.env.CACHE_URL,
  posts,
  seedNumber: Number(args.seed),
  port: Number(process.env.PORT ?? 0),
  onSeedProgress: (done, total) => {
    if (!bar) console.log(`seeding ${total.toLocaleString('en-US')} posts (only when the database is empty)`)
    bar ??= progressBar(total, 'posts')
    bar(done)
  },
})
console.log(blog.seeded ? dim(`  ready in ${((performance.now() - started) / 1000).toFixed(1)} s`) : 'already seeded')
console.log(`\n${bold('Listening on')} ${blog.url}/   (profiler: ${blog.url}/__quarry/)\nCtrl-C stops.\n`)

const stop = async () => {
  await blog.close()
  process.exit(0)
}
process.once('SIGINT', stop)
process.once('SIGTERM', stop)
