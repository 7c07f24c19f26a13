import type { Field } from '../../model/fields/field.ts'
import type { ModelMeta } from '../../model/model-meta.ts'
import { BaseSchemaEditor, type DataTypes, standardDataTypes } from '../base-schema-editor.ts'

/** Column types on MySQL / MariaDB (the operations read them too, to type `JSON_TABLE` columns). */
export const mysqlDataTypes: DataTypes = {
  ...standardDataTypes,
  text: 'longtext',
  integer: 'int',
  float: 'double',
  boolean: 'bool',
  datetime: 'datetime(6)',
  json: 'json',
}

/** MySQL / MariaDB DDL: InnoDB, `utf8mb4_bin`, `datetime(6)` in UTC, foreign keys as table constraints. */
export class MysqlSchemaEditor extends BaseSchemaEditor {
  protected override readonly dataTypes: DataTypes = mysqlDataTypes
  protected autoPkDef(): string {
    return 'bigint NOT NULL AUTO_INCREMENT PRIMARY KEY'
  }
  /**
   * Binary collation: `=`, `LIKE`, `UNIQUE` and `ORDER BY` are case-sensitive and byte-ordered, as on SQLite and
   * PostgreSQL's C collation, and the lookups' `COLLATE utf8mb4_bin` keeps using the indexes.
   */
  protected override tableSuffix(): string {
    return ' ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin'
  }
  /** MySQL parses and silently ignores a `REFERENCES` clause on a column: every foreign key is a table constraint. */
  protected override inlineReferences(): boolean {
    return false
  }

  /** The constraint's name is the unique index's name (MySQL names the index after the first column otherwise). */
  override uniqueConstraint(name: string, columns: readonly string[]): string {
    return `UNIQUE KEY ${this.q(name)} (${columns.map((c) => this.q(c)).join(', ')})`
  }
  override renameTable(from: string, to: string): string {
    return `RENAME TABLE ${this.q(from)} TO ${this.q(to)}`
  }
  /** MySQL keeps no default to drop after filling existing rows when it is given with MODIFY: re-state the column. */
  override dropColumnDefault(meta: ModelMeta, field: Field): string | null {
    return `ALTER TABLE ${this.q(meta.table)} ALTER COLUMN ${this.q(field.column)} DROP DEFAULT`
  }
  /** MODIFY re-states the whole column (type and nullability together). */
  override alterColumn(meta: ModelMeta, from: Field, to: Field): string[] {
    if (this.columnType(from) === this.columnType(to) && from.nullable === to.nullable && from.kind === to.kind)
      return []
    const def = to.kind === 'auto' ? `${this.q(to.column)} ${this.autoPkDef()}` : this.columnDef(to)
    return [`ALTER TABLE ${this.q(meta.table)} MODIFY ${def.replace(' PRIMARY KEY', '')}`]
  }
  override dropIndex(meta: ModelMeta, name: string): string {
    return `DROP INDEX ${this.q(name)} ON ${this.q(meta.table)}`
  }
  override renameIndex(meta: ModelMeta, from: string, to: string): string {
    return `ALTER TABLE ${this.q(meta.table)} RENAME INDEX ${this.q(from)} TO ${this.q(to)}`
  }
  override dropUnique(meta: ModelMeta, name: string): string {
    return `ALTER TABLE ${this.q(meta.table)} DROP INDEX ${this.q(name)}`
  }
  override dropForeignKey(meta: ModelMeta, name: string): string {
    return `ALTER TABLE ${this.q(meta.table)} DROP FOREIGN KEY ${this.q(name)}`
  }
  override renameConstraint(meta: ModelMeta, from: string, to: string, kind: 'unique' | 'fk' | 'check'): string | null {
    return kind === 'unique' ? this.renameIndex(meta, from, to) : null
  }
  override dropCheck(meta: ModelMeta, name: string): string {
    return `ALTER TABLE ${this.q(meta.table)} DROP CONSTRAINT ${this.q(name)}`
  }
}
