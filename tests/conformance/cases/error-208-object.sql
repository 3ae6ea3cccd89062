-- A missing table is resolved when its statement runs (deferred name
-- resolution): the statements before it have run, the error (208, severity
-- 16) aborts the rest of the batch.
SELECT 1 AS a;
SELECT * FROM dbo.no_such_table;
SELECT 2 AS b;
