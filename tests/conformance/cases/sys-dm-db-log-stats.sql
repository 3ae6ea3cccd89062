-- sys.dm_db_log_stats (database_id) (SQL Server 2016 SP2 and later): one
-- row about a database's transaction log; log_end_lsn, the LSN of the
-- last log record, is an nvarchar(24) (VLF:block:slot in hexadecimal,
-- fixed width) and moves on with every committed change; NULL and
-- DEFAULT mean the current database (master here: the lab keeps no log
-- for system databases, so its LSNs are NULL); an id that names no
-- database gives no row.
CREATE DATABASE conf_logstats;
SELECT COUNT(*) AS created FROM sys.databases WHERE name = N'conf_logstats';
GO
CREATE TABLE conf_logstats.dbo.t (a INT NULL);
DECLARE @a NVARCHAR(24), @b NVARCHAR(24);
SELECT @a = log_end_lsn FROM sys.dm_db_log_stats(DB_ID(N'conf_logstats'));
INSERT INTO conf_logstats.dbo.t (a) VALUES (1);
SELECT @b = log_end_lsn FROM sys.dm_db_log_stats(DB_ID(N'conf_logstats'));
SELECT CASE WHEN @b > @a THEN 'advanced' ELSE 'not advanced' END AS after_insert, LEN(@b) AS len,
  CASE WHEN @b LIKE '[0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]:[0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]:[0-9a-f][0-9a-f][0-9a-f][0-9a-f]' THEN 1 ELSE 0 END AS shape;
SELECT s.database_id - DB_ID(N'conf_logstats') AS other_db, s.recovery_model, s.log_truncation_holdup_reason
FROM sys.dm_db_log_stats(DB_ID(N'conf_logstats')) AS s;
SELECT database_id, recovery_model, log_end_lsn FROM sys.dm_db_log_stats(DEFAULT);
GO
DROP DATABASE conf_logstats;
SELECT COUNT(*) AS n FROM sys.dm_db_log_stats(32767);
