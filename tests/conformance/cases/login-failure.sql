-- A wrong password: error 18456, severity 14; SQL Server always reports
-- state 1 to the client (the real reason is only in its error log).
--! login: bad-password
SELECT 1 AS never;
