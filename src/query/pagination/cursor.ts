import { hash } from 'node:crypto'
import { InvalidCursor } from '../../errors.ts'
import type { Field } from '../../model/fields/field.ts'

/** Bumped when the payload changes shape; older cursors are refused with a message that says so. */
const VERSION = 1

/**
 * Opaque keyset cursors: base64url of `{ v, o, k, c }` — the format version, a fingerprint of the model and
 * ordering the cursor belongs to, the row's sort values (typed: dates and bigints tagged), and a checksum over
 * the rest. A cursor that does not decode, whose checksum or fingerprint does not match, or whose values do not fit
 * the ordering's fields is an `InvalidCursor` error saying which.
 *
 * The checksum catches edits and corruption, not forgery: a hand-made cursor with valid values only moves the page
 * boundary (its values are bound parameters, like any filter), so no secret is needed.
 */
export function encodeCursor(fingerprint: string, values: readonly unknown[]): string {
  const k = values.map(encodeValue)
  const body = JSON.stringify([VERSION, fingerprint, k])
  return Buffer.from(JSON.stringify({ v: VERSION, o: fingerprint, k, c: checksum(body) })).toString('base64url')
}

/** The sort values of `cursor`, checked against the ordering's fingerprint and fields. */
export function decodeCursor(
  cursor: unknown,
  fingerprint: string,
  terms: readonly { readonly field: Field; readonly nullable: boolean }[],
  name: string,
): unknown[] {
  if (typeof cursor !== 'string' || cursor.length === 0 || !/^[A-Za-z0-9_-]+$/.test(cursor))
    throw new InvalidCursor(`The '${name}' cursor is not a cursor string from a page's startCursor or endCursor.`)
  let payload: { v?: unknown; o?: unknown; k?: unknown; c?: unknown }
  try {
    payload = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'))
  } catch {
    throw new InvalidCursor(`The '${name}' cursor does not decode: it was cut short or edited.`)
  }
  if (typeof payload !== 'object' || payload === null || !Array.isArray(payload.k))
    throw new InvalidCursor(`The '${name}' cursor does not decode: it was cut short or edited.`)
  if (payload.v !== VERSION)
    throw new InvalidCursor(
      `The '${name}' cursor has format version ${String(payload.v)}; this quarry reads ${VERSION}.`,
    )
  if (payload.c !== checksum(JSON.stringify([payload.v, payload.o, payload.k])))
    throw new InvalidCursor(`The '${name}' cursor was edited: its checksum does not match.`)
  if (payload.o !== fingerprint)
    throw new InvalidCursor(
      `The '${name}' cursor belongs to another model or ordering. Paginate with the orderBy() the cursor came from, or start again without it.`,
    )
  const k = payload.k as unknown[]
  if (k.length !== terms.length)
    throw new InvalidCursor(`The '${name}' cursor has ${k.length} values; the ordering has ${terms.length} terms.`)
  return k.map((raw, i) => decodeValue(raw, terms[i]!.field, terms[i]!.nullable, name))
}

/** Identifies a model + ordering: a cursor is only valid for the query shape it was made from. */
export function orderingFingerprint(model: string, terms: readonly string[]): string {
  const key = `${model}|${terms.join(',')}`
  let fp = fingerprints.get(key)
  if (fp === undefined) {
    if (fingerprints.size >= 1000) fingerprints.clear()
    fingerprints.set(key, (fp = hash('sha256', key, 'base64url').slice(0, 12)))
  }
  return fp
}

/** Fingerprints by model and ordering: every page of one listing asks for the same one. */
const fingerprints = new Map<string, string>()

function checksum(body: string): string {
  return hash('sha256', body, 'base64url').slice(0, 12)
}

function encodeValue(v: unknown): unknown {
  if (v instanceof Date) return { d: v.toISOString() }
  if (typeof v === 'bigint') return { b: v.toString() }
  if (v === undefined) return null
  return v
}

/** The JS type each field kind sorts by; a value of another type means the cursor was not made by quarry. */
function decodeValue(raw: unknown, field: Field, nullable: boolean, name: string): unknown {
  const bad = () =>
    new InvalidCursor(`The '${name}' cursor holds a value of the wrong type for ${field.qualifiedName}: it was edited.`)
  if (raw === null) {
    if (!nullable) throw bad()
    return null
  }
  const kind = field.isRelation ? targetKind(field) : field.kind
  switch (kind) {
    case 'auto':
    case 'integer':
      if (!Number.isInteger(raw)) throw bad()
      return raw
    case 'float':
      if (typeof raw !== 'number') throw bad()
      return raw
    case 'boolean':
      if (typeof raw !== 'boolean') throw bad()
      return raw
    case 'datetime': {
      const d = typeof raw === 'object' && raw !== null ? new Date(String((raw as { d?: unknown }).d)) : null
      if (!d || Number.isNaN(d.getTime())) throw bad()
      return d
    }
    case 'bigint': {
      const s = typeof raw === 'object' && raw !== null ? (raw as { b?: unknown }).b : undefined
      if (typeof s !== 'string' || !/^-?\d+$/.test(s)) throw bad()
      return BigInt(s)
    }
    case 'json':
      return raw
    default:
      if (typeof raw !== 'string') throw bad()
      return raw
  }
}

function targetKind(field: Field): Field['kind'] {
  return (field as unknown as { targetField: Field }).targetField.kind
}
