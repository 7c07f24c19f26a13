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

const pad2 = (n: number): string => (n < 10 ? `0${n}` : `${n}`)

/**
 * `YYYY-MM-DD HH:MM:SS` in UTC, with `.fff` when the milliseconds are not zero: the text SQLite stores for a datetime
 * (the form Django writes, which sorts and compares as text). Integer arithmetic (Hinnant's civil_from_days, the inverse
 * of daysFromCivil): 174 ns against 617 for slicing `toISOString()` (bench/notes.md, eleventh pass), which W6's 100,000
 * rows paid per row. Dates outside 0001–9999 take `toISOString()` (an invalid Date throws its RangeError).
 */
export function utcDateTimeText(d: Date): string {
  const t = d.getTime()
  if (!(t >= MIN_DATETIME_MS && t <= MAX_DATETIME_MS)) {
    const iso = d.toISOString()
    return `${iso.slice(0, 10)} ${iso.endsWith('.000Z') ? iso.slice(11, 19) : iso.slice(11, 23)}`
  }
  const days = Math.floor(t / 86_400_000)
  let ms = t - days * 86_400_000
  const z = days + 719_468
  const era = Math.floor(z / 146_097)
  const doe = z - era * 146_097
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365)
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100))
  const mp = Math.floor((5 * doy + 2) / 153)
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1
  const month = mp < 10 ? mp + 3 : mp - 9
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0)
  const h = Math.floor(ms / 3_600_000)
  ms -= h * 3_600_000
  const mi = Math.floor(ms / 60_000)
  ms -= mi * 60_000
  const s = Math.floor(ms / 1000)
  ms -= s * 1000
  const text = `${year >= 1000 ? year : `${year}`.padStart(4, '0')}-${pad2(month)}-${pad2(day)} ${pad2(h)}:${pad2(mi)}:${pad2(s)}`
  return ms === 0 ? text : `${text}.${`${ms}`.padStart(3, '0')}`
}
