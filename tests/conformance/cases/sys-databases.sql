-- sys.databases on sqla.dc1.lab (examples/lab/topology.yaml): the four
-- system databases with their fixed ids 1-4 and the topology's mgc and
-- mgccomp, all ONLINE. name is sysname (NVARCHAR(128)), state_desc
-- NVARCHAR(60).
SELECT name, state_desc FROM sys.databases ORDER BY name;
SELECT database_id, name FROM sys.databases WHERE database_id <= 4 ORDER BY database_id;
