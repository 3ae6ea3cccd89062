-- EXEC in a batch sends the procedure's return status (RETURNSTATUS);
-- sp_executesql returns 0 on success.
DECLARE @rc INT;
EXEC @rc = sp_executesql N'SELECT 7 AS inner_value';
SELECT @rc AS rc;
