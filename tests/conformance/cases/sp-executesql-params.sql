-- A parameterised query. pytds and tedious send it as an RPC to
-- sp_executesql with typed parameters; tsql and db-lib send the equivalent
-- EXEC sp_executesql batch. The CASTs keep the result types independent of
-- how each client declares its parameters.
--! param: @a INT 41
--! param: @b NVARCHAR(10) N'wörld'
SELECT CAST(@a + 1 AS INT) AS a_plus_one, CAST(@b AS NVARCHAR(10)) AS b;
