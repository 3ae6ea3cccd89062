-- PRINT sends an informational message: number 0, severity 0, state 1.
PRINT 'hello from PRINT';
PRINT N'wörld';
SELECT 1 AS a;
