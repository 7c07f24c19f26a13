/**
 * Datetimes as text, read and checked the same way on every backend: the range quarry stores (years 0001–9999, UTC:
 * what every supported database can hold), and a strict parser that reads every textual form as UTC.
 */

const first = new Date(0)
first.setUTCFullYear(1, 0, 1)
/** 0001-01-01T00:00:00.000Z */
export const MIN_DATETIME_MS = first.getTime()
/** 9999-12-31T23:59:59.999Z */
export const MAX_DATETIME_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999)

/** Whether a Date is valid and within 0001-01-01 … 9999-12-31 (UTC). */
export function inDateTimeRange(d: Date): boolean {
  const t = d.getTime()
  return t >= MIN_DATETIME_MS && t <= MAX_DATETIME_MS
}

/** Whether `year-month-day` is a day of the calendar (no 2020-02-30, no year 0). */
export function isCalendarDate(year: number, month: number, day: number): boolean {
  if (year < 1 || year > 9999 || month < 1 || month > 12 || day < 1) return false
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0)
  const days = month === 2 ? (leap ? 29 : 28) : [4, 6, 9, 11].includes(month) ? 30 : 31
  return day <= days
}

const TEXT = /^(\d{4})-(\d\d)-(\d\d)(?:[T ](\d\d):(\d\d)(?::(\d\d)(?:\.(\d{1,9}))?)?)?\s*(Z|[+-]\d\d(?::?\d\d)?)?$/i

/**
 * `2024-01-01`, `2024-01-01 12:00:00`, `2024-01-01T12:00:00.123456Z`, `… +02:00` → Date. A form without a zone is
 * UTC (what Django, the sqlite3 shell and `datetime()` write), never local time. Returns an invalid Date for text
 * that is not such a form or names a day or time that does not exist. Years below 100 are kept (`Date.UTC` would
 * map them to 19xx).
 */
export function parseDateTimeText(text: string): Date {
  const m = TEXT.exec(text)
  if (!m) return new Date(Number.NaN)
  const [, y, mo, d, h = '0', mi = '0', s = '0', frac = '', zone] = m
  const year = Number(y)
  const hour = Number(h)
  const minute = Number(mi)
  const second = Number(s)
  if (!isCalendarDate(year, Number(mo), Number(d)) || hour > 23 || minute > 59 || second > 59)
    return new Date(Number.NaN)
  const out = new Date(0)
  out.setUTCFullYear(year, Number(mo) - 1, Number(d))
  out.setUTCHours(hour, minute, second, Math.floor(Number(`0.${frac || '0'}`) * 1000))
  if (zone && zone.toUpperCase() !== 'Z') {
    const sign = zone[0] === '-' ? -1 : 1
    const digits = zone.slice(1).replace(':', '')
    const offset = (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2) || 0)) * 60_000
    out.setTime(out.getTime() - sign * offset)
  }
  return out
}

/** A stored datetime (text, or a Date the driver made) → Date; text in any of the forms above, as UTC. */
export function readDateTime(v: unknown): Date | null {
  if (v === null || v === undefined) return null
  if (v instanceof Date) return v
  if (typeof v === 'number') return new Date(v)
  const text = String(v)
  const d = parseDateTimeText(text)
  return Number.isNaN(d.getTime()) ? new Date(text) : d
}

/**
 * Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil): integer arithmetic, where
 * `Date.UTC` is a runtime call that costs as much as the rest of a timestamp's parse.
 */
export function daysFromCivil(y: number, m: number, d: number): number {
  y -= m <= 2 ? 1 : 0
  const era = Math.floor(y / 400)
  const yoe = y - era * 400
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy
  return era * 146_097 + doe - 719_468
}
