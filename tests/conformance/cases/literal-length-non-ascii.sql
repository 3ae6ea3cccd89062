-- The length of a string literal is counted in characters (NVARCHAR) or in
-- bytes of the database code page, 1252 (VARCHAR): Constants (Transact-SQL).
SELECT N'héllo wörld' AS nv, 'café' AS v;
