-- A '' literal is VARCHAR of its length; code page 1252 text through CAST.
SELECT 'cafe' AS v, CAST('café' AS VARCHAR(10)) AS u, CAST(NULL AS VARCHAR(10)) AS n;
