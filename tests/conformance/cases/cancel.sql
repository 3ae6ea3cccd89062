-- The client cancels (ATTENTION) a batch that waits 5 s, half a second in;
-- the acknowledgement arrives at once and the connection stays usable.
--! cancel-after: 0.5
WAITFOR DELAY '00:00:05';
SELECT 1 AS too_late;
GO
SELECT 2 AS after_cancel;
