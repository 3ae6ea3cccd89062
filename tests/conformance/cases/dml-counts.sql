-- INSERT, UPDATE and DELETE report the rows they affected (DONE with
-- the COUNT bit); CREATE and DROP TABLE report none.
CREATE TABLE dbo.conf_dml (id INT NOT NULL, name NVARCHAR(20) NULL);
INSERT INTO dbo.conf_dml (id, name) VALUES (1, N'one'), (2, N'two'), (3, NULL);
UPDATE dbo.conf_dml SET name = N'many' WHERE id >= 2;
DELETE FROM dbo.conf_dml WHERE id = 1;
SELECT id, name FROM dbo.conf_dml ORDER BY id;
DROP TABLE dbo.conf_dml;
