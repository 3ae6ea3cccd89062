-- Recovery models: the system databases' defaults (master, msdb and tempdb
-- SIMPLE, model FULL: System databases (SQL Server)) and the topology's
-- mgc and mgccomp in FULL.
SELECT name, recovery_model_desc FROM sys.databases ORDER BY name;
