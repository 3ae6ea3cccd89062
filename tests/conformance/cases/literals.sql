-- Types of constants (Constants (Transact-SQL); Precision, scale, and length):
-- an integer that does not fit INT is NUMERIC(p,0), a decimal literal is
-- NUMERIC with its own precision and scale, E notation is FLOAT.
SELECT 1 AS i, 9000000000 AS big, 12.5 AS dec, N'ab' AS nstr, 'abc' AS str, 1.5E0 AS flt;
