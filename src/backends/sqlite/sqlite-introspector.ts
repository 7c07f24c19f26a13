import type { Connection } from '../backend.ts'
import type { BaseIntrospector, ColumnInfo, ForeignKeyInfo, IndexInfo } from '../base-introspector.ts'

export class SqliteIntrospector implements BaseIntrospector {
  readonly #conn: () => Connection
  constructor(conn: () => Connection) {
    this.#conn = conn
  }
  async tables(): Promise<string[]> {
    const rows = await this.#conn().rows(
      "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name",
      [],
    )
    return rows.map((r) => r[0] as string)
  }
  async columns(table: string): Promise<ColumnInfo[]> {
    const rows = await this.#conn().objects('SELECT * FROM pragma_table_info(?)', [table])
    return rows.map((r) => ({
      name: r.name as string,
      type: String(r.type).toLowerCase(),
      nullable: r.notnull === 0 && r.pk === 0,
      primaryKey: (r.pk as number) > 0,
      default: (r.dflt_value as string | null) ?? null,
    }))
  }
  async indexes(table: string): Promise<IndexInfo[]> {
    const list = await this.#conn().objects('SELECT * FROM pragma_index_list(?)', [table])
    const out: IndexInfo[] = []
    for (const ix of list) {
      const cols = await this.#conn().objects(
        'SELECT name, "desc" FROM pragma_index_xinfo(?) WHERE key = 1 ORDER BY seqno',
        [ix.name],
      )
      out.push({
        name: ix.name as string,
        columns: cols.map((c) => c.name as string),
        unique: ix.unique === 1,
        partial: ix.partial === 1,
        descending: cols.map((c) => c.desc === 1),
      })
    }
    return out
  }
  async foreignKeys(table: string): Promise<ForeignKeyInfo[]> {
    const rows = await this.#conn().objects('SELECT * FROM pragma_foreign_key_list(?)', [table])
    return rows.map((r) => ({
      column: r.from as string,
      table: r.table as string,
      to: r.to as string,
      onDelete: String(r.on_delete),
    }))
  }
}
