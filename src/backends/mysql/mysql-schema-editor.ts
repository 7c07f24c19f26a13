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
}
