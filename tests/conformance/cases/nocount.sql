-- SET NOCOUNT ON stops the row count (the DONE token's COUNT bit) for
-- the statements that follow; SET NOCOUNT OFF brings it back.
SET NOCOUNT ON;
SELECT 1 AS quiet;
SET NOCOUNT OFF;
SELECT 2 AS loud;
