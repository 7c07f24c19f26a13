import { describe, expect, it } from 'vitest'
import { translateMysqlError } from '../../src/backends/mysql/mysql-errors.ts'
import { translatePostgresError } from '../../src/backends/postgres/postgres-errors.ts'
import { DataError, IntegrityError, OperationalError, ProgrammingError } from '../../src/index.ts'

describe('PostgreSQL error translation', () => {
  const pg = (code: string | undefined, message: string, extra: object = {}) =>
    translatePostgresError(Object.assign(new Error(message), { code, ...extra }), 'SELECT $1')

  it('maps SQLSTATE classes to the PEP 249 tree, keeping the code; the driver error only on request', () => {
    const e = pg('23505', 'duplicate key value violates unique constraint "author_email_key"', {
      detail: 'Key (email)=(secret@example.com) already exists.',
      constraint_name: 'author_email_key',
    })
    expect(e).toBeInstanceOf(IntegrityError)
    expect((e as IntegrityError).vendorCode).toBe('23505')
    expect(e.message).toBe('duplicate key value violates unique constraint "author_email_key"')
    expect((e as IntegrityError).cause).toEqual({ code: '23505', constraint_name: 'author_email_key' })
    expect((e as IntegrityError).unsafeDriverError()).toBeInstanceOf(Error)
    expect(pg('42P01', 'relation "nope" does not exist')).toBeInstanceOf(ProgrammingError)
    expect(pg('57P01', 'terminating connection due to administrator command')).toBeInstanceOf(OperationalError)
    expect(pg(undefined, 'Connection terminated unexpectedly')).toBeInstanceOf(OperationalError)
  })

  it('describes data errors by their SQLSTATE, whatever quotes the input holds', () => {
    expect(pg('22P02', 'invalid input syntax for type integer: "4111 "1111" 1111"').message).toBe(
      'invalid input syntax for type integer [SQLSTATE 22P02]',
    )
    expect(pg('22003', 'value "99999999999" is out of range for type integer').message).toBe(
      'numeric value out of range [SQLSTATE 22003]',
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
    expect(e.message).toBe("Duplicate entry for key 'email' [errno 1062]")
    expect(my(1062, "Duplicate entry 'a' for key 'b'' for key 'email'").message).toBe(
      "Duplicate entry for key 'email' [errno 1062]",
    )
    expect(
      my(1366, "Incorrect integer value: 'a' for column `x` at row 9' for column `t`.`views` at row 1").message,
    ).toBe('Incorrect integer value for column `t`.`views` at row 1 [errno 1366]')
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
