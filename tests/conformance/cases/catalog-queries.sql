-- Everyday catalog queries: the server's default collation is case
-- insensitive (SQL_Latin1_General_CP1_CI_AS), COUNT(*) is INT, TOP with
-- ORDER BY, DB_ID() returns INT and DB_NAME() NVARCHAR(128).
SELECT name FROM sys.databases WHERE name = N'MASTER';
SELECT COUNT(*) AS n FROM sys.databases;
SELECT TOP (2) name FROM sys.databases ORDER BY database_id;
SELECT DB_ID(N'tempdb') AS tempdb_id, DB_NAME(4) AS db4;
