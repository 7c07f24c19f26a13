import { describe, expect, it } from 'vitest'
import { translateMysqlError } from '../../src/backends/mysql/mysql-errors.ts'
import { translatePostgresError } from '../../src/backends/postgres/postgres-errors.ts'
import { DataError, IntegrityError, OperationalError, ProgrammingError } from '../../src/index.ts'

describe('PostgreSQL error translation', () => {
  const pg = (code: string | undefined, message: string, extra: object = {}) =>
    translatePostgresError(Object.assign(new Error(message), { code, ...extra }), 'SELECT $1')

  it('maps SQLSTATE classes to the PEP 249 tree, keeping the code and the cause', () => {
    const e = pg('23505', 'duplicate key value violates unique constraint "author_email_key"', {
      detail: 'Key (email)=(secret@example.com) already exists.',
    })
    expect(e).toBeInstanceOf(IntegrityError)
    expect((e as IntegrityError).vendorCode).toBe('23505')
    expect(e.message).not.toContain('secret')
    expect((e as IntegrityError).cause).toBeInstanceOf(Error)
    expect(pg('42P01', 'relation "nope" does not exist')).toBeInstanceOf(ProgrammingError)
    expect(pg('57P01', 'terminating connection due to administrator command')).toBeInstanceOf(OperationalError)
    expect(pg(undefined, 'Connection terminated unexpectedly')).toBeInstanceOf(OperationalError)
  })

  it('removes quoted input values from data errors', () => {
    expect(pg('22P02', 'invalid input syntax for type integer: "4111 1111 1111 1111"').message).toBe(
      'invalid input syntax for type integer: "…"',
    )
    expect(pg('22003', 'value "99999999999" is out of range for type integer').message).toBe(
      'value "…" is out of range for type integer',
    )
    expect(pg('22003', 'value "1" is out of range')).toBeInstanceOf(DataError)
  })
})

describe('MySQL error translation', () => {
  const my = (errno: number | undefined, message: string, extra: object = {}) =>
    translateMysqlError(Object.assign(new Error(message), { errno, sqlMessage: message, ...extra }), 'SELECT ?')

  it('maps errno to the PEP 249 tree and scrubs values', () => {
    const e = my(1062, "Duplicate entry 'secret@example.com' for key 'email'")
    expect(e).toBeInstanceOf(IntegrityError)
    expect((e as IntegrityError).vendorCode).toBe(1062)
    expect(e.message).toBe("Duplicate entry '…' for key 'email'")
    expect(my(1366, "Incorrect integer value: 'abc' for column `t`.`views` at row 1").message).toBe(
      "Incorrect integer value: '…' for column `t`.`views` at row 1",
    )
    expect(my(1146, "Table 'test.nope' doesn't exist")).toBeInstanceOf(ProgrammingError)
    expect(my(1213, 'Deadlock found')).toBeInstanceOf(OperationalError)
  })

  it('a lost connection is operational', () => {
    expect(my(undefined, 'Connection lost: The server closed the connection.', { fatal: true })).toBeInstanceOf(
      OperationalError,
    )
    expect(my(1927, 'Connection was killed')).toBeInstanceOf(OperationalError)
  })
})
