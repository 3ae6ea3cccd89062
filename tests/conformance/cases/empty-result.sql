-- A query that matches no row still returns its columns, and a DONE
-- counting 0 rows.
SELECT name FROM sys.databases WHERE name = N'no_such_db';
