import type { Field } from '../../model/fields/field.ts'
import { targetKind } from '../base-operations.ts'
import { BaseSchemaEditor } from '../base-schema-editor.ts'

/** MySQL / MariaDB DDL: InnoDB, `utf8mb4_bin`, `datetime(6)` in UTC, foreign keys as table constraints. */
export class MysqlSchemaEditor extends BaseSchemaEditor {
  columnType(field: Field): string {
    const kind = field.kind === 'foreignKey' || field.kind === 'oneToOne' ? targetKind(field) : field.kind
    const o = field.options
    switch (kind) {
      case 'auto':
      case 'bigint':
        return 'bigint'
      case 'integer':
        return 'int'
      case 'string':
      case 'enum':
        return `varchar(${o.maxLength})`
      case 'float':
        return 'double'
      case 'decimal':
        return `decimal(${o.maxDigits}, ${o.decimalPlaces})`
      case 'boolean':
        return 'bool'
      case 'datetime':
        return 'datetime(6)'
      case 'date':
        return 'date'
      case 'json':
        return 'json'
      case 'uuid':
        return 'char(36)'
      default:
        return 'longtext'
    }
  }
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
