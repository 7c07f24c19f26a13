import { expect, it } from 'vitest'
import { MAX_DATETIME_MS, MIN_DATETIME_MS, utcDateTimeText } from '../../src/backends/datetime-text.ts'
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

it('writes a datetime as the text slicing toISOString() gives, across the whole 0001–9999 range', () => {
  const sliced = (d: Date) => {
    const iso = d.toISOString()
    return `${iso.slice(0, 10)} ${iso.endsWith('.000Z') ? iso.slice(11, 19) : iso.slice(11, 23)}`
  }
  const dates = [
    MIN_DATETIME_MS,
    MAX_DATETIME_MS,
    0,
    -1,
    1,
    Date.UTC(2024, 1, 29, 23, 59, 59, 999),
    Date.UTC(2000, 2, 1),
    Date.UTC(1900, 1, 28, 12),
    -62_135_596_800_000 + 86_400_000 * 59, // 0001-03-01
    Date.UTC(999, 11, 31, 23, 59, 59, 10), // a three-digit year (Date.UTC keeps years from 100 on)
  ].map((t) => new Date(t))
  let seed = 42
  const random = () => (seed = (Math.imul(seed, 1_103_515_245) + 12_345) >>> 0) / 2 ** 32
  for (let i = 0; i < 200_000; i++)
    dates.push(new Date(MIN_DATETIME_MS + Math.floor(random() * (MAX_DATETIME_MS - MIN_DATETIME_MS))))
  for (const d of dates)
    if (utcDateTimeText(d) !== sliced(d)) expect([d.getTime(), utcDateTimeText(d)]).toEqual([d.getTime(), sliced(d)])
  expect(utcDateTimeText(new Date(Date.UTC(2024, 0, 2, 3, 4, 5)))).toBe('2024-01-02 03:04:05')
  expect(utcDateTimeText(new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 6)))).toBe('2024-01-02 03:04:05.006')
  expect(utcDateTimeText(new Date(MIN_DATETIME_MS))).toBe('0001-01-01 00:00:00')
  expect(() => utcDateTimeText(new Date(Number.NaN))).toThrow(RangeError)
})
