-- INT: a literal that fits INT is INT (Constants, Transact-SQL); NULL cast to INT.
SELECT 2147483647 AS v, CAST(NULL AS INT) AS n;
