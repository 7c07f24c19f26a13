import { daysFromCivil, readDateTime } from '../datetime-text.ts'

/**
 * A datetime column read from SQLite. `dateTimeToDb` writes `2026-01-02 03:04:05.678` (UTC, milliseconds only when not
 * zero: Django's and the sqlite3 shell's form), and rows written before that hold `2026-01-02T03:04:05.678Z`;
 * `new Date(text)` parses either at ~450 ns — most of the cost of mapping a row with one datetime — and reads the
 * first as local time. These forms are read here from their character codes (~40 ns), as UTC; any other text goes
 * to the general parser (`readDateTime`: every ISO form, as UTC unless it names a zone).
 *
 * @example
 * parseSqliteDateTime('2026-01-02 03:04:05.678').getTime()    // 1767323045678
 * parseSqliteDateTime('2026-01-02T03:04:05.678Z').getTime()   // 1767323045678
 */
export function parseSqliteDateTime(s: string): Date {
  const n = s.length
  const sep = s.charCodeAt(10)
  const iso = n === 24 && sep === 84 /* T */ && s.charCodeAt(23) === 90 /* Z */ && s.charCodeAt(19) === 46
  const spaced = (n === 19 || (n === 23 && s.charCodeAt(19) === 46)) /* . */ && sep === 32 /* space */
  if (
    !(iso || spaced) ||
    s.charCodeAt(4) !== 45 || // -
    s.charCodeAt(7) !== 45 ||
    s.charCodeAt(13) !== 58 || // :
    s.charCodeAt(16) !== 58
  )
    return readDateTime(s) as Date
  const year = dg(s, 0) * 1000 + dg(s, 1) * 100 + dg(s, 2) * 10 + dg(s, 3)
  const month = dg(s, 5) * 10 + dg(s, 6)
  const day = dg(s, 8) * 10 + dg(s, 9)
  const hour = dg(s, 11) * 10 + dg(s, 12)
  const minute = dg(s, 14) * 10 + dg(s, 15)
  const second = dg(s, 17) * 10 + dg(s, 18)
  const ms = n === 19 ? 0 : dg(s, 20) * 100 + dg(s, 21) * 10 + dg(s, 22)
  // A non-digit makes its field negative; invalid fields go to the general parser (which refuses them).
  if (
    year < 1 ||
    month < 1 ||
    month > 12 ||
    day < 1 ||
    hour < 0 ||
    hour > 23 ||
    minute < 0 ||
    minute > 59 ||
    second < 0 ||
    second > 59 ||
    ms < 0
  )
    return readDateTime(s) as Date
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0)
  if (day > (month === 2 ? (leap ? 29 : 28) : DAYS[month]!)) return readDateTime(s) as Date
  return new Date(
    daysFromCivil(year, month, day) * 86_400_000 + hour * 3_600_000 + minute * 60_000 + second * 1000 + ms,
  )
}

const DAYS = [0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]

/** The digit at `i`, or a large negative number for any other character. */
function dg(s: string, i: number): number {
  const n = s.charCodeAt(i) - 48
  return n >= 0 && n <= 9 ? n : -100_000
}
