import { dirname, sep } from 'node:path'
import { fileURLToPath } from 'node:url'

/** quarry's own source folder (src/ or dist/): frames inside it are not user code. */
const OWN = dirname(dirname(fileURLToPath(import.meta.url))) + sep
const OWN_URL = `file://${OWN}`

/**
 * `src/feed.ts:14` — the first stack frame outside quarry and Node's internals. Only computed when someone
 * listens to query events (it costs a stack capture).
 */
export function callSite(): string | undefined {
  return siteOf(captureStack())
}

/** A captured stack, formatted only if read (capturing costs ~5µs, formatting as much again). */
export interface StackHolder {
  readonly stack?: string
}

/**
 * Frames kept: the user's frame is at most ~8 below any capture point (`instance.save()` → … → the executor).
 * The cost grows with frames kept: on a 30-deep stack, 40 frames cost ~20 µs and 12 about 7 µs.
 */
const FRAMES = 12

/**
 * Frames kept where the user's frame is near, as at the N+1 detector's captures: a QuerySet chain captures in `with()`,
 * at most four quarry frames above the user's (`db.Post.filter()` → the manager → the QuerySet method → `with`), and a
 * relation access in `Loader.accessSite`, at most five (`post.author` → its getter → RelRef → the result host → the
 * loader). A capture costs ~1.6 µs plus ~0.4 µs a frame walked here: on a 25-deep stack 8 frames take 4.8 µs and FRAMES
 * 6.3 (bench/notes.md, eighth pass). The peer table's stacks are shallower than 8 frames, so it does not show.
 */
export const NEAR_FRAMES = 8

export function captureStack(frames: number = FRAMES): StackHolder {
  const holder: { stack?: string } = {}
  const limit = Error.stackTraceLimit
  Error.stackTraceLimit = frames
  Error.captureStackTrace(holder, captureStack)
  Error.stackTraceLimit = limit
  return holder
}

/** The first user frame of a captured stack. */
export function siteOf(holder: StackHolder | undefined): string | undefined {
  const lines = holder?.stack?.split('\n') ?? []
  for (let i = 1; i < lines.length; i++) {
    const loc = location(lines[i]!)
    if (!loc) continue
    const m = /^(.*):(\d+):\d+$/.exec(loc)
    if (!m) continue
    const file = m[1]!
    if (file.startsWith(OWN) || file.startsWith(OWN_URL) || file.includes('/node_modules/')) continue
    return `${relative(file)}:${m[2]}`
  }
  return undefined
}

/** `at fn (file:///a/b.ts:1:2)` or `at /a/b.ts:1:2` → the location, if it is a file on disk. */
function location(line: string): string | undefined {
  const trimmed = line.trim()
  const loc = trimmed.endsWith(')')
    ? trimmed.slice(trimmed.lastIndexOf('(') + 1, -1)
    : trimmed.replace(/^at (async )?/, '')
  return loc.startsWith('/') || loc.startsWith('file://') ? loc : undefined
}

function relative(file: string): string {
  const path = file.startsWith('file://') ? fileURLToPath(file) : file
  const cwd = process.cwd() + sep
  return path.startsWith(cwd) ? path.slice(cwd.length) : path
}
