-- A BACKUP or RESTORE option SQL Server would act on but the lab does not
-- model (a differential backup, a point-in-time restore) is refused, never
-- run as a plain full backup or restore: the lab's message (50000), then
-- 3013 as for any failed backup or restore. Nothing is written.
BACKUP DATABASE mgc TO DISK = N'\\fs1.lab\pchat-ls\conf_diff.bak' WITH DIFFERENTIAL, INIT;
RESTORE LOG mgc FROM DISK = N'\\fs1.lab\pchat-ls\conf_diff.trn' WITH STOPAT = '2026-01-01T00:00:00', NORECOVERY;
