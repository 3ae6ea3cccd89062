-- A missing procedure (2812, severity 16) ends only its statement: the
-- batch goes on.
SELECT 1 AS a;
EXEC no_such_proc;
SELECT 2 AS b;
