-- DATETIME2 without a scale is DATETIME2(7); values to the microsecond
-- here (the seventh digit: types-datetime2-7).
SELECT CAST('2024-03-15T13:45:30.123456' AS DATETIME2) AS v,
       CAST('2024-03-15T13:45:30.12' AS DATETIME2(2)) AS s2,
       CAST(NULL AS DATETIME2) AS n;
