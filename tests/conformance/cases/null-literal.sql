-- A bare NULL is typed INT (the type SQL Server gives an untyped NULL).
SELECT NULL AS n, 1 AS one;
