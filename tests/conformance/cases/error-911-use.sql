-- USE of a database that does not exist (911, severity 16) is found when
-- the batch is compiled: nothing in the batch runs.
SELECT 1 AS a;
USE no_such_db;
SELECT 2 AS b;
