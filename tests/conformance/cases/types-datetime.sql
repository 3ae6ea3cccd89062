-- DATETIME rounds to .000/.003/.007 s: .999 on the last second of a day
-- becomes the next day (the example in the datetime documentation).
SELECT CAST('2024-03-15T13:45:30.127' AS DATETIME) AS v,
       CAST('1998-01-01T23:59:59.999' AS DATETIME) AS rounded,
       CAST(NULL AS DATETIME) AS n;
