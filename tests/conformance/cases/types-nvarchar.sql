-- An N'' literal is NVARCHAR of its length; non-ASCII text through CAST.
SELECT N'hello world' AS v, CAST(N'héllo wörld' AS NVARCHAR(20)) AS u,
       CAST(NULL AS NVARCHAR(20)) AS n;
