// PostgreSQL and MySQL/MariaDB targets are registered here by the server backends' test support.
export {}
