import type { Connection } from '../backend.ts'
import type { BaseIntrospector, ColumnInfo, ForeignKeyInfo, IndexInfo } from '../base-introspector.ts'

type WithConnection = <T>(fn: (c: Connection) => Promise<T>) => Promise<T>

const RULES: Record<string, string> = { a: 'NO ACTION', r: 'RESTRICT', c: 'CASCADE', n: 'SET NULL', d: 'SET DEFAULT' }

/** Reads the current schema (`search_path`) from `pg_catalog`. */
export class PostgresIntrospector implements BaseIntrospector {
  readonly #with: WithConnection
  constructor(withConnection: WithConnection) {
    this.#with = withConnection
  }
  async tables(): Promise<string[]> {
    const rows = await this.#with(async (c) =>
      c.rows(
        "SELECT c.relname FROM pg_class c WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('r', 'p') ORDER BY 1",
        [],
      ),
    )
    return rows.map((r) => r[0] as string)
  }
  async columns(table: string): Promise<ColumnInfo[]> {
    const rows = await this.#with(async (c) =>
      c.objects(
        `SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type, NOT a.attnotnull AS nullable,
           COALESCE(i.indisprimary, false) AS pk, pg_get_expr(d.adbin, d.adrelid) AS dflt
         FROM pg_attribute a
         LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
         LEFT JOIN pg_index i ON i.indrelid = a.attrelid AND i.indisprimary AND a.attnum = ANY(i.indkey)
         WHERE a.attrelid = (quote_ident(current_schema()) || '.' || quote_ident($1))::regclass AND a.attnum > 0 AND NOT a.attisdropped
         ORDER BY a.attnum`,
        [table],
      ),
    )
    return rows.map((r) => ({
      name: r.name as string,
      type: String(r.type),
      nullable: r.nullable as boolean,
      primaryKey: r.pk as boolean,
      default: (r.dflt as string | null) ?? null,
    }))
  }
  async indexes(table: string): Promise<IndexInfo[]> {
    const rows = await this.#with(async (c) =>
      c.objects(
        `SELECT ic.relname AS name, i.indisunique AS uniq, i.indpred IS NOT NULL AS partial,
           ARRAY(SELECT a.attname FROM unnest(i.indkey) WITH ORDINALITY k(n, o)
                 JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.n ORDER BY k.o)::text[] AS cols,
           ARRAY(SELECT (i.indoption[k.o - 1] & 1) = 1 FROM unnest(i.indkey) WITH ORDINALITY k(n, o) ORDER BY k.o) AS descs
         FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid
         WHERE i.indrelid = (quote_ident(current_schema()) || '.' || quote_ident($1))::regclass
         ORDER BY ic.relname`,
        [table],
      ),
    )
    return rows.map((r) => ({
      name: r.name as string,
      columns: r.cols as string[],
      unique: r.uniq as boolean,
      partial: r.partial as boolean,
      descending: r.descs as boolean[],
    }))
  }
  async foreignKeys(table: string): Promise<ForeignKeyInfo[]> {
    const rows = await this.#with(async (c) =>
      c.objects(
        `SELECT a.attname AS col, rc.relname AS ref, ra.attname AS to_col, con.confdeltype AS rule
         FROM pg_constraint con
         JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = con.conkey[1]
         JOIN pg_class rc ON rc.oid = con.confrelid
         JOIN pg_attribute ra ON ra.attrelid = con.confrelid AND ra.attnum = con.confkey[1]
         WHERE con.contype = 'f' AND con.conrelid = (quote_ident(current_schema()) || '.' || quote_ident($1))::regclass
         ORDER BY 1`,
        [table],
      ),
    )
    return rows.map((r) => ({
      column: r.col as string,
      table: r.ref as string,
      to: r.to_col as string,
      onDelete: RULES[r.rule as string] ?? String(r.rule),
    }))
  }
}
