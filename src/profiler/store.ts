import { createReadStream } from 'node:fs'
import { appendFile, mkdir, rename, rm, stat } from 'node:fs/promises'
import { dirname } from 'node:path'
import { createInterface } from 'node:readline'
import { InvalidValueError } from '../errors.ts'
import type { RequestRecord } from './request-record.ts'
import { round } from './request-record.ts'

/** One line of the store: a statement shape seen during one request. Never a value. */
export interface StoredShape {
  v: 1
  at: string
  request: string
  vendor: string
  alias: string
  kind: string
  sql: string
  tables: readonly string[]
  model: string | undefined
  calls: number
  totalMs: number
  maxMs: number
  rows: number
  sites: string[]
  plan?: string | undefined
}

export interface ShapeStoreOptions {
  /** Rotate when the file would pass this size (10 MiB). */
  maxBytes?: number
  /** Rotated files kept: `profile.jsonl.1` … (3). */
  files?: number
}

/**
 * A JSON-lines file of the statement shapes of finished requests (API.md §8 `store`), for `quarry advise`.
 * Writes are queued (one at a time, off the request path) and the file rotates by size. Lines carry SQL with
 * placeholders, timings, tables, call sites and plans — the collector never hands it a value.
 */
export class ShapeStore {
  readonly path: string
  readonly maxBytes: number
  readonly files: number
  #queue: Promise<void> = Promise.resolve()
  #size: number | undefined
  /** The first write error, kept for `flush()` (a failing disk must not fail requests). */
  #error: unknown

  constructor(path: string, options: ShapeStoreOptions = {}) {
    if (typeof path !== 'string' || !path) throw new InvalidValueError('profiler({ store }) takes a file path.')
    this.path = path
    this.maxBytes = options.maxBytes ?? 10 * 1024 * 1024
    this.files = options.files ?? 3
    if (!(this.maxBytes > 0)) throw new InvalidValueError('ShapeStore({ maxBytes }) takes a positive number.')
  }

  append(rec: RequestRecord): void {
    const at = rec.startedAt.toISOString()
    const request = `${rec.method} ${rec.url}`
    let text = ''
    for (const s of rec.shapes.values()) {
      if (s.kind === 'transaction' || s.kind === 'ddl') continue
      const line: StoredShape = {
        v: 1,
        at,
        request,
        vendor: s.vendor,
        alias: s.alias,
        kind: s.kind,
        sql: s.sql,
        tables: s.tables,
        model: s.model,
        calls: s.calls,
        totalMs: round(s.totalMs),
        maxMs: round(s.maxMs),
        rows: s.rows,
        sites: [...s.sites],
        plan: s.plan,
      }
      text += `${JSON.stringify(line)}\n`
    }
    if (text) this.#write(text)
  }

  #write(text: string): void {
    this.#queue = this.#queue.then(async () => {
      try {
        if (this.#size === undefined) {
          await mkdir(dirname(this.path), { recursive: true })
          this.#size = await stat(this.path).then(
            (s) => s.size,
            () => 0,
          )
        }
        const bytes = Buffer.byteLength(text)
        if (this.#size > 0 && this.#size + bytes > this.maxBytes) await this.#rotate()
        await appendFile(this.path, text)
        this.#size += bytes
      } catch (e) {
        this.#error ??= e
      }
    })
  }

  async #rotate(): Promise<void> {
    await rm(`${this.path}.${this.files}`, { force: true })
    for (let i = this.files - 1; i >= 1; i--) await rename(`${this.path}.${i}`, `${this.path}.${i + 1}`).catch(() => {})
    if (this.files > 0) await rename(this.path, `${this.path}.1`)
    else await rm(this.path, { force: true })
    this.#size = 0
  }

  /** Wait for queued writes; rethrows the first write error, if any. */
  async flush(): Promise<void> {
    await this.#queue
    if (this.#error) {
      const e = this.#error
      this.#error = undefined
      throw e
    }
  }
}

/** Every line of a store and its rotated files, oldest file first. Lines that do not parse are skipped. */
export async function* readStore(path: string, options: { rotated?: boolean } = {}): AsyncGenerator<StoredShape> {
  const paths = [path]
  if (options.rotated ?? true) for (let i = 1; i <= 9; i++) paths.unshift(`${path}.${i}`)
  for (const p of paths) {
    const exists = await stat(p).then(
      () => true,
      () => false,
    )
    if (!exists) continue
    const lines = createInterface({ input: createReadStream(p, 'utf8'), crlfDelay: Number.POSITIVE_INFINITY })
    for await (const line of lines) {
      if (!line.trim()) continue
      try {
        const s = JSON.parse(line) as StoredShape
        if (s.v === 1 && typeof s.sql === 'string') yield s
      } catch {
        // a line cut by a crash mid-write
      }
    }
  }
}
