-- The same statements under SET NOCOUNT ON report no counts at all.
SET NOCOUNT ON;
CREATE TABLE dbo.conf_dml2 (id INT NOT NULL);
INSERT INTO dbo.conf_dml2 (id) VALUES (1), (2);
UPDATE dbo.conf_dml2 SET id = id + 10;
DELETE FROM dbo.conf_dml2 WHERE id = 11;
SELECT id FROM dbo.conf_dml2;
DROP TABLE dbo.conf_dml2;
