import { expect, it } from 'vitest'
import { parseSqliteDateTime } from '../../src/backends/sqlite/sqlite-datetime.ts'

it('reads the ISO form SQLite columns hold exactly as new Date() does', () => {
  const samples = [
    '2026-01-02T03:04:05.678Z',
    '1970-01-01T00:00:00.000Z',
    '1969-12-31T23:59:59.999Z',
    '2024-02-29T12:00:00.000Z',
    '9999-12-31T23:59:59.999Z',
    '0099-06-01T00:00:00.000Z', // two-digit years: left to Date
    '2023-02-29T00:00:00.000Z', // no such day
    '2023-13-01T00:00:00.000Z',
    '2023-01-01T24:00:00.000Z',
    '2023-01-01T00:00:00.00xZ',
    '2023-01-01 00:00:00',
    '2023-01-01T00:00:00Z',
    'not a date at all, 24 ch',
  ]
  for (let t = -2e12; t < 4e12; t += 7_777_777_777) samples.push(new Date(t).toISOString())
  for (const s of samples) {
    const want = new Date(s).getTime()
    expect([s, parseSqliteDateTime(s).getTime()]).toEqual([s, want])
  }
})
