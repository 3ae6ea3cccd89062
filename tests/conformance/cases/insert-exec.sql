-- INSERT ... EXEC: the result sets of the procedure (or of dynamic SQL)
-- are inserted into the table instead of being sent, converted to the
-- column types, through an optional column list. (The runbook's
-- `exec sp_who2` can be filtered this way.) NOCOUNT keeps the row counts
-- out of the check.
SET NOCOUNT ON;
CREATE TABLE #conf_who (spid VARCHAR(5) NULL, status NVARCHAR(30) NULL, login NVARCHAR(128) NULL,
  host NVARCHAR(128) NULL, blk VARCHAR(5) NULL, dbname NVARCHAR(128) NULL, cmd NVARCHAR(16) NULL,
  cpu VARCHAR(10) NULL, io VARCHAR(10) NULL, lastbatch VARCHAR(14) NULL, program NVARCHAR(128) NULL,
  spid2 VARCHAR(5) NULL, request VARCHAR(5) NULL);
INSERT INTO #conf_who EXEC sp_who2;
SELECT COUNT(*) AS mine FROM #conf_who WHERE CAST(spid AS INT) = @@SPID AND spid2 = spid;
CREATE TABLE #conf_ie (a INT NULL, b NVARCHAR(10) NULL);
INSERT INTO #conf_ie (b, a) EXEC (N'SELECT N''x'', ''1''; SELECT N''y'', 2');
SELECT a, b FROM #conf_ie ORDER BY a;
DROP TABLE #conf_who;
DROP TABLE #conf_ie;
