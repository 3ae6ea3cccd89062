-- sp_who2 (undocumented, used by the Skype for Business runbook to find
-- the sessions in mgc): the columns of its source in master, SPID first
-- and again before REQUESTID; a login that has no session gives no row.
EXEC sp_who2 'nosuchlogin';
