// Results are checked equal before timing: every system's result is reduced to one canonical text, hashed.
// Field names and JS types differ between systems (createdAt / created_at, Date / ISO text, true / 1); the
// canonical text reads either, so the check compares rows and values, not each library's conventions.
import { readInstant } from './instant.ts'
import type { WorkloadId } from './workloads.ts'

type Obj = Record<string, unknown>

function items(v: unknown): Obj[] {
  if (Array.isArray(v)) return v as Obj[]
  // MikroORM's Collection.
  if (v && typeof (v as { getItems?: unknown }).getItems === 'function') return (v as { getItems(): Obj[] }).getItems()
  throw new Error(`expected a list, got ${typeof v}`)
}

function bool(v: unknown): boolean {
  if (v === true || v === 1) return true
  if (v === false || v === 0) return false
  throw new Error(`expected a boolean, got ${String(v)}`)
}

function iso(v: unknown): string {
  if (v instanceof Date || typeof v === 'string' || typeof v === 'number') return readInstant(v).toISOString()
  throw new Error(`expected a date, got ${String(v)}`)
}

function author(a: unknown): string {
  if (!a || typeof a !== 'object') throw new Error(`expected an author, got ${String(a)}`)
  const o = a as Obj
  return `${o.id}|${o.name}|${o.email ?? null}`
}

function post(p: Obj, withAuthor: boolean): string {
  const authorId = p.authorId ?? p.author_id ?? (p.author as Obj | undefined)?.id
  let s = `${p.id}|${p.title}|${p.body}|${p.views}|${bool(p.published)}|${iso(p.createdAt ?? p.created_at)}|${authorId}`
  if (withAuthor) s += `|${author(p.author)}`
  return s
}

/** W3 runners return [post, author] pairs (the lazily loaded author need not sit on the post). */
type Pair = [Obj, unknown]

export function canonical(workload: WorkloadId, result: unknown): { text: string; rows: number } {
  const lines: string[] = []
  switch (workload) {
    case 'W1':
    case 'W9':
      for (const p of items(result)) lines.push(post(p, true))
      break
    case 'W2':
      for (const a of items(result)) {
        lines.push(author(a))
        for (const p of items(a.posts)) lines.push(`  ${post(p, false)}`)
      }
      break
    case 'W3':
      for (const [p, a] of result as Pair[]) lines.push(`${post(p, false)}|${author(a)}`)
      break
    case 'W4':
    case 'W8-offset':
    case 'W8-keyset':
      for (const p of items(result)) lines.push(post(p, false))
      break
    case 'W5':
    case 'W12':
      for (const page of result as unknown[]) {
        lines.push('--')
        for (const p of items(page)) lines.push(post(p, false))
      }
      break
    case 'W11': {
      const d = result as StreamDigest
      lines.push(`${d.rows}|${d.views}|${d.idXor}|${d.titleChars}`)
      break
    }
    default:
      throw new Error(`no canonical form for ${workload}`)
  }
  return { text: lines.join('\n'), rows: lines.length }
}

/** FNV-1a, 32 bits. */
export function hash(text: string): string {
  let h = 0x811c9dc5
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193)
  return (h >>> 0).toString(16).padStart(8, '0')
}

/** What W11 keeps of the streamed rows: enough to tell that every row was read, nothing that holds them. */
export class StreamDigest {
  rows = 0
  views = 0
  idXor = 0
  titleChars = 0
  add(id: number, title: string, views: number): void {
    this.rows++
    this.views += views
    this.idXor ^= id
    this.titleChars += title.length
  }
}
