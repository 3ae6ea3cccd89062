-- A #temp table created in the batch is found by the statements after it.
CREATE TABLE #conf_dml (id INT NOT NULL, name NVARCHAR(20) NULL);
INSERT INTO #conf_dml (id, name) VALUES (1, N'one'), (2, N'two'), (3, NULL);
UPDATE #conf_dml SET name = N'many' WHERE id >= 2;
DELETE FROM #conf_dml WHERE id = 1;
SELECT id, name FROM #conf_dml ORDER BY id;
DROP TABLE #conf_dml;
