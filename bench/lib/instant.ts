// Datetimes as the SQLite data sets store them (see SqliteDates in data.ts), shared by the data builder, the checks
// and the systems that bind a datetime on SQLite.

/** A Date as the `sql` form stores it (quarry's SQLite dateTimeToDb). */
export function sqliteDateText(d: Date): string {
  const iso = d.toISOString()
  return `${iso.slice(0, 10)} ${iso.endsWith('.000Z') ? iso.slice(11, 19) : iso.slice(11, 23)}`
}

/** Either stored form (or a Date, or epoch ms) as an instant; a zone-less text is UTC. */
export function readInstant(v: unknown): Date {
  if (v instanceof Date) return v
  if (typeof v === 'string' && /^\d{4}-\d\d-\d\d[ T]\d\d:\d\d(:\d\d(\.\d+)?)?$/.test(v))
    return new Date(`${v.replace(' ', 'T')}Z`)
  return new Date(v as string | number)
}
