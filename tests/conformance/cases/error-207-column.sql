-- A missing column of an existing table fails compilation of the whole
-- batch (207, severity 16): nothing runs.
SELECT 1 AS a;
SELECT no_such_column FROM sys.databases;
SELECT 2 AS b;
