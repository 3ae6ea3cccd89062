-- A syntax error (102, severity 15) fails the whole batch at parse time:
-- not even the statement before it runs.
SELECT 1 AS a;
SELECT 1 + ;
SELECT 2 AS b;
