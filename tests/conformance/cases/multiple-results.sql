-- Three SELECTs in one batch: three result sets, each closed by its DONE.
SELECT 1 AS a;
SELECT N'two' AS b, 2 AS c;
SELECT name FROM sys.databases WHERE name = N'master';
