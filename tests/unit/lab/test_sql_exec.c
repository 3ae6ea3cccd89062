/*
 * Unit tests for the lab engine's executor, through engine.h with a
 * recording sink (test_sql_harness.h): result columns and types, rows,
 * NULLs, row counts, several result sets, errors and how far they
 * unwind, NOCOUNT, variables, IF, joins, ORDER BY, TOP, LIKE, CASE,
 * CAST, procedures and RPC.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/unit/lab/test_sql_harness.h"

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (fixture_open(f, NULL))
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture_close(*state);
	free(*state);
	return 0;
}

#define EXPECT(sql, text) assert_string_equal(run(*state, sql), text)

static void test_sql_exec__select_literals(void **state)
{
	EXPECT("SELECT 1, N'x' AS b, 'abc' c, NULL d, 12.50 e, 3000000000 f",
	       "cols :int b:nvarchar(1) c:varchar(3) d:int? e:numeric(4,2) f:numeric(10,0)\n"
	       "row 1 'x' 'abc' NULL 12.50 3000000000\n"
	       "done 0x10 C1 1\n");
}

static void test_sql_exec__two_result_sets(void **state)
{
	EXPECT("SELECT 1 AS a; SELECT 2 AS b",
	       "cols a:int\nrow 1\ndone 0x10 C1 1\ncols b:int\nrow 2\ndone 0x10 C1 1\n");
}

static void test_sql_exec__nocount(void **state)
{
	EXPECT("SET NOCOUNT ON; SELECT 1 AS a; SET NOCOUNT OFF; SELECT 2 AS b",
	       "cols a:int\nrow 1\ndone 0x0 C1 0\ncols b:int\nrow 2\ndone 0x10 C1 1\n");
}

static void test_sql_exec__syntax_error_runs_nothing(void **state)
{
	EXPECT("SELECT 1; SELECT FROM",
	       "msg 156 15 1 L1 Incorrect syntax near the keyword 'FROM'.\ndone 0x2 0 0\n");
	EXPECT("SELECT 1 2", "msg 102 15 1 L1 Incorrect syntax near '2'.\ndone 0x2 0 0\n");
	EXPECT("SELECT 'abc",
	       "msg 105 15 1 L1 Unclosed quotation mark after the character string 'abc'.\n"
	       "done 0x2 0 0\n");
}

/* INSERT ... EXEC: the EXEC's result sets go into the table, not to
 * the client (its statements' DONEs still do); 213 when their width does
 * not match the table; 8164 when nested; no result set inserts nothing. */
static void test_sql_exec__insert_exec(void **state)
{
	EXPECT("CREATE TABLE #ie (a INT NULL, b NVARCHAR(10) NULL); "
	       "INSERT INTO #ie (b, a) EXEC (N'SELECT N''x'', 1; SELECT N''y'', 2'); "
	       "SELECT a, b FROM #ie ORDER BY a",
	       "done 0x0 0 0\n"
	       "done 0x10 C1 1\ndone 0x10 C1 1\ndone 0x10 C3 2\n"
	       "cols a:int? b:nvarchar(10)?\nrow 1 'x'\nrow 2 'y'\ndone 0x10 C1 2\n");
	EXPECT("INSERT INTO #ie EXEC (N'SELECT 1')",
	       "done 0x10 C1 1\n"
	       "msg 213 16 1 L1 Column name or number of supplied values does not match table "
	       "definition.\ndone 0x2 C3 0\n");
	EXPECT("INSERT INTO #ie EXEC (N'INSERT INTO #ie EXEC (N''SELECT 3'')')",
	       "msg 8164 16 1 L1 An INSERT EXEC statement cannot be nested.\n"
	       "done 0x2 C3 0\ndone 0x10 C3 0\n");
	EXPECT("INSERT INTO #ie EXEC (N'DECLARE @x int')", "done 0x10 C3 0\n");
	EXPECT("SELECT COUNT(*) AS n FROM #ie; DROP TABLE #ie",
	       "cols n:int\nrow 2\ndone 0x10 C1 1\ndone 0x0 0 0\n");
}

static void test_sql_exec__invalid_object_aborts_the_batch(void **state)
{
	EXPECT("SELECT 1 AS a; SELECT * FROM dbo.nosuch; SELECT 2 AS b",
	       "cols a:int\nrow 1\ndone 0x10 C1 1\n"
	       "msg 208 16 1 L1 Invalid object name 'dbo.nosuch'.\ndone 0x2 C1 0\n");
}

static void test_sql_exec__compile_errors_run_nothing(void **state)
{
	EXPECT("SELECT 1 AS a;\nSELECT nocol FROM sys.databases; SELECT 2 AS b",
	       "msg 207 16 1 L2 Invalid column name 'nocol'.\ndone 0x2 0 0\n");
	EXPECT("SELECT 1 AS a; USE no_such_db; SELECT 2 AS b",
	       "msg 911 16 1 L1 Database 'no_such_db' does not exist. Make sure that the name is "
	       "entered correctly.\ndone 0x2 0 0\n");
	EXPECT("DECLARE @n int = 1; SELECT d.nope FROM sys.databases AS d WHERE d.database_id = @n",
	       "msg 207 16 1 L1 Invalid column name 'nope'.\ndone 0x2 0 0\n");
	/* a table created by the batch itself is resolved when its statement runs */
	EXPECT("CREATE TABLE #t (id int); INSERT #t VALUES (1); SELECT id FROM #t; DROP TABLE #t",
	       "done 0x0 0 0\ndone 0x10 C3 1\ncols id:int?\nrow 1\ndone 0x10 C1 1\ndone 0x0 0 0\n");
}

static void test_sql_exec__while(void **state)
{
	struct fixture *f = *state;
	const char *out;

	EXPECT("DECLARE @i int = 0;\nWHILE @i < 3\nBEGIN\n SET @i = @i + 1;\n IF @i = 2 CONTINUE;\n"
	       " PRINT @i\nEND;\nWHILE 1 = 1 BREAK;\nSELECT @i AS i",
	       "info 0 0 1 L6 1\ninfo 0 0 1 L6 3\ncols i:int?\nrow 3\ndone 0x10 C1 1\n");
	EXPECT("SELECT 1 AS a; BREAK",
	       "msg 135 15 1 L1 Cannot use a BREAK statement outside the scope of a WHILE "
	       "statement.\ndone 0x2 0 0\n");
	f->rec.cancel_after = 2;
	out = run(f, "WHILE 1 = 1 SELECT 1 AS a");
	f->rec.cancel_after = 0;
	assert_string_equal(out, "cols a:int\nrow 1\ndone 0x10 C1 1\ncols a:int\nrow 1\n"
	                         "done 0x10 C1 1\n");
}

static void test_sql_exec__try_catch(void **state)
{
	EXPECT("BEGIN TRY\n SELECT 1 AS a;\n SELECT 1/0 AS b;\n SELECT 3 AS c\nEND TRY\n"
	       "BEGIN CATCH\n SELECT ERROR_NUMBER() AS n, ERROR_SEVERITY() AS s, ERROR_LINE() AS l,"
	       " ERROR_MESSAGE() AS m\nEND CATCH;\nSELECT ERROR_NUMBER() AS after",
	       "cols a:int\nrow 1\ndone 0x10 C1 1\n"
	       "cols n:int? s:int? l:int? m:nvarchar(4000)?\n"
	       "row 8134 16 3 'Divide by zero error encountered.'\ndone 0x10 C1 1\n"
	       "cols after:int?\nrow NULL\ndone 0x10 C1 1\n");
	EXPECT("BEGIN TRY RAISERROR('boom', 16, 5) END TRY BEGIN CATCH PRINT ERROR_MESSAGE(); "
	       "THROW; "
	       "END CATCH; SELECT 5 AS x",
	       "info 0 0 1 L1 boom\nmsg 50000 16 5 L1 boom\ndone 0x2 0 0\n");
	/* 208 at the TRY's own level is not caught; from a nested scope it is */
	EXPECT("BEGIN TRY SELECT * FROM nosuch END TRY BEGIN CATCH SELECT 'caught' AS c END CATCH",
	       "msg 208 16 1 L1 Invalid object name 'nosuch'.\ndone 0x2 C1 0\n");
	EXPECT("BEGIN TRY EXEC sp_executesql N'SELECT * FROM nosuch' END TRY\n"
	       "BEGIN CATCH SELECT ERROR_NUMBER() AS n, ERROR_PROCEDURE() AS p END CATCH",
	       "ret 208\ndoneproc 0x2 E0 0\ncols n:int? p:nvarchar(128)?\n"
	       "row 208 'sp_executesql'\ndone 0x10 C1 1\n");
}

static void test_sql_exec__waitfor_is_cancelled(void **state)
{
	struct fixture *f = *state;
	const char *out;

	f->rec.cancel_after = 1;
	out = run(f, "SELECT 1 AS a; WAITFOR DELAY '00:10:00'; SELECT 2 AS b");
	f->rec.cancel_after = 0;
	assert_string_equal(out, "cols a:int\nrow 1\ndone 0x10 C1 1\n");
	EXPECT("WAITFOR DELAY '00:00:00.020'; SELECT 2 AS b",
	       "done 0x0 0 0\ncols b:int\nrow 2\ndone 0x10 C1 1\n");
	EXPECT("WAITFOR DELAY 'soon'",
	       "msg 148 15 1 L1 Incorrect time syntax in time string 'soon' used with WAITFOR.\n"
	       "done 0x2 0 0\n");
}

static void test_sql_exec__statement_error_continues(void **state)
{
	EXPECT("SELECT 1/0 AS a; SELECT 2 AS b",
	       "msg 8134 16 1 L1 Divide by zero error encountered.\ndone 0x2 C1 0\n"
	       "cols b:int\nrow 2\ndone 0x10 C1 1\n");
	EXPECT("EXEC dbo.nosuch; SELECT 2 AS b",
	       "msg 2812 16 62 L1 Could not find stored procedure 'dbo.nosuch'.\ndone 0x2 E0 0\n"
	       "cols b:int\nrow 2\ndone 0x10 C1 1\n");
}

static void test_sql_exec__use(void **state)
{
	EXPECT("USE mgc; SELECT DB_NAME() AS d, DB_ID() AS i",
	       "env mgc<master\ninfo 5701 0 1 L1 Changed database context to 'mgc'.\ndone 0x0 0 0\n"
	       "cols d:nvarchar(128)? i:int?\nrow 'mgc' 5\ndone 0x10 C1 1\n");
	EXPECT("USE nosuchdb", "msg 911 16 1 L1 Database 'nosuchdb' does not exist. Make sure that "
	                       "the name is entered correctly.\n"
	                       "done 0x2 0 0\n");
}

static void test_sql_exec__variables_and_if(void **state)
{
	EXPECT("DECLARE @n int = 2, @s nvarchar(10);\n"
	       "SET @s = N'two';\n"
	       "IF @n > 1 BEGIN SELECT @s AS s END ELSE SELECT 'no' AS s",
	       "cols s:nvarchar(10)?\nrow 'two'\ndone 0x10 C1 1\n");
	EXPECT("IF NOT EXISTS (SELECT 1 FROM sys.databases WHERE name = 'zz') PRINT 'none'",
	       "info 0 0 1 L1 none\ndone 0x0 0 0\n");
	EXPECT("SELECT @nope", "msg 137 15 1 L1 Must declare the scalar variable \"@nope\".\n"
	                       "done 0x2 C1 0\n");
}

static void test_sql_exec__select_assigns_variable(void **state)
{
	EXPECT("DECLARE @id int; SELECT @id = database_id FROM sys.databases WHERE name = 'msdb'; "
	       "SELECT @id AS id",
	       "done 0x10 C1 1\ncols id:int?\nrow 4\ndone 0x10 C1 1\n");
}

static void test_sql_exec__dml_and_counts(void **state)
{
	EXPECT("CREATE TABLE t (a int NOT NULL, b nvarchar(10) NULL);"
	       "INSERT INTO t (a, b) VALUES (1, N'x'), (2, NULL), (3, 'z');"
	       "UPDATE t SET b = N'y' WHERE b IS NULL;"
	       "DELETE FROM t WHERE a = 1;"
	       "SELECT a, b FROM t ORDER BY a DESC",
	       "done 0x0 0 0\ndone 0x10 C3 3\ndone 0x10 C5 1\ndone 0x10 C4 1\n"
	       "cols a:int b:nvarchar(10)?\nrow 3 'z'\nrow 2 'y'\ndone 0x10 C1 2\n");
	EXPECT("INSERT t (a) VALUES (NULL)",
	       "msg 515 16 1 L1 Cannot insert the value NULL into column 'a', table "
	       "'master.dbo.t'; "
	       "column does not allow nulls. INSERT fails.\ndone 0x2 C3 0\n");
	EXPECT("CREATE TABLE t (x int)", "msg 2714 16 1 L1 There is already an object named 't' in "
	                                 "the database.\ndone 0x2 0 0\n");
	EXPECT("DROP TABLE t; DROP TABLE t", "done 0x0 0 0\nmsg 3701 11 1 L1 Cannot drop the table "
	                                     "'t', because it does not exist or "
	                                     "you do not have permission.\ndone 0x2 0 0\n");
}

static void test_sql_exec__transactions(void **state)
{
	struct fixture *f = *state;
	struct lab_login l = {"pcdr", "Secret-1", "", "", "", "", 0, 0};
	struct lab_login_result res;
	struct lab_session *other;

	run(f, "CREATE TABLE t (a int, b nvarchar(5)); INSERT t VALUES (1, 'x'), (2, 'y')");
	EXPECT("BEGIN TRAN; INSERT t VALUES (3, 'z'); UPDATE t SET b = 'q' WHERE a = 1;"
	       " DELETE t WHERE a = 2; DROP TABLE t; CREATE TABLE t (zz int);"
	       " SELECT @@TRANCOUNT AS n; ROLLBACK; SELECT @@TRANCOUNT AS n, a, b FROM t ORDER BY "
	       "a",
	       "done 0x0 0 0\ndone 0x10 C3 1\ndone 0x10 C5 1\ndone 0x10 C4 1\ndone 0x0 0 0\n"
	       "done 0x0 0 0\ncols n:int\nrow 1\ndone 0x10 C1 1\ndone 0x0 0 0\n"
	       "cols n:int a:int? b:nvarchar(5)?\nrow 0 1 'x'\nrow 0 2 'y'\ndone 0x10 C1 2\n");
	EXPECT("BEGIN TRANSACTION; BEGIN TRAN; UPDATE t SET b = 'w'; COMMIT; SELECT @@TRANCOUNT AS "
	       "n;"
	       " COMMIT TRANSACTION; COMMIT",
	       "done 0x0 0 0\ndone 0x0 0 0\ndone 0x10 C5 2\ndone 0x0 0 0\ncols n:int\nrow 1\n"
	       "done 0x10 C1 1\ndone 0x0 0 0\nmsg 3902 16 1 L1 The COMMIT TRANSACTION request has "
	       "no corresponding BEGIN TRANSACTION.\ndone 0x2 0 0\n");
	EXPECT("ROLLBACK", "msg 3903 16 1 L1 The ROLLBACK TRANSACTION request has no corresponding "
	                   "BEGIN TRANSACTION.\ndone 0x2 0 0\n");
	/* a session that goes away with a transaction open rolls it back */
	assert_int_equal(lab_session_open(f->world, 0, &l, &other, &res), 0);
	{
		struct lab_session *saved = f->s;

		f->s = other;
		run(f, "BEGIN TRAN; DELETE FROM t; INSERT t VALUES (9, 'n')");
		f->s = saved;
	}
	lab_session_close(other);
	EXPECT("SELECT COUNT(*) AS n, MIN(b) AS b FROM t", "cols n:int b:nvarchar(5)?\nrow 2 'w'\n"
	                                                   "done 0x10 C1 1\n");
}

static void test_sql_exec__joins(void **state)
{
	run(*state, "CREATE TABLE a (id int, n nvarchar(5)); CREATE TABLE b (id int, v int);"
	            "INSERT a VALUES (1, 'one'), (2, 'two'), (3, 'three');"
	            "INSERT b VALUES (1, 10), (1, 11), (3, 30)");
	EXPECT("SELECT a.n, b.v FROM a JOIN b ON b.id = a.id ORDER BY b.v",
	       "cols n:nvarchar(5)? v:int?\nrow 'one' 10\nrow 'one' 11\nrow 'three' 30\n"
	       "done 0x10 C1 3\n");
	EXPECT("SELECT x.n, y.v FROM a AS x LEFT JOIN b AS y ON y.id = x.id WHERE x.id = 2",
	       "cols n:nvarchar(5)? v:int?\nrow 'two' NULL\ndone 0x10 C1 1\n");
	EXPECT("SELECT TOP (2) n FROM a ORDER BY id DESC",
	       "cols n:nvarchar(5)?\nrow 'three'\nrow 'two'\ndone 0x10 C1 2\n");
	EXPECT("SELECT COUNT(*) AS c, MAX(v) AS hi, MIN(v) AS lo FROM b",
	       "cols c:int hi:int? lo:int?\nrow 3 30 10\ndone 0x10 C1 1\n");
	EXPECT("SELECT id, COUNT(*) AS c FROM b GROUP BY id ORDER BY id",
	       "cols id:int? c:int\nrow 1 2\nrow 3 1\ndone 0x10 C1 2\n");
	EXPECT("SELECT n FROM a WHERE id = (SELECT MAX(id) FROM b)",
	       "cols n:nvarchar(5)?\nrow 'three'\ndone 0x10 C1 1\n");
	EXPECT("SELECT n FROM a WHERE id IN (1, 3) AND n NOT LIKE 't%'",
	       "cols n:nvarchar(5)?\nrow 'one'\ndone 0x10 C1 1\n");
	EXPECT("SELECT id FROM a, b",
	       "msg 209 16 1 L1 Ambiguous column name 'id'.\ndone 0x2 0 0\n");
}

static void test_sql_exec__case_cast_functions(void **state)
{
	EXPECT("SELECT CASE WHEN 1 > 2 THEN 'a' WHEN 2 > 1 THEN 'bb' END AS c,"
	       " CAST('42' AS int) + 1 AS i, CONVERT(nvarchar(10), 7) AS s,"
	       " ISNULL(NULL, 5) AS n, COALESCE(NULL, NULL, N'z') AS z",
	       "cols c:varchar(2)? i:int? s:nvarchar(10)? n:int z:nvarchar(1)?\n"
	       "row 'bb' 43 '7' 5 'z'\ndone 0x10 C1 1\n");
	EXPECT("SELECT CAST('abc' AS int)", "msg 245 16 1 L1 Conversion failed when converting the "
	                                    "varchar value 'abc' to data type int.\n"
	                                    "done 0x2 C1 0\n");
	EXPECT("SELECT @@SERVERNAME AS s, SERVERPROPERTY('ProductMajorVersion') AS v",
	       "cols s:nvarchar(128)? v:nvarchar(128)?\nrow 'sqla.dc1.lab' '13'\ndone 0x10 C1 1\n");
	EXPECT("SELECT CONVERT(varchar(30), CAST('2024-03-15 13:45:30.5' AS datetime2), 121) AS t",
	       "cols t:varchar(30)?\nrow '2024-03-15 13:45:30.5000000'\ndone 0x10 C1 1\n");
	EXPECT("SELECT CAST(CAST('2024-03-15 13:45:30.1234567' AS datetime2(7)) AS nvarchar(30)) "
	       "AS t,"
	       " CONVERT(varchar(23), CAST('2024-03-15 13:45:30.1234567' AS datetime), 121) AS d",
	       "cols t:nvarchar(30)? d:varchar(23)?\n"
	       "row '2024-03-15 13:45:30.1234567' '2024-03-15 13:45:30.123'\ndone 0x10 C1 1\n");
}

static void test_sql_exec__huge_numbers_are_errors_not_ub(void **state)
{
	/* found by fuzz_lab_sql: a RAISERROR argument past int64 */
	EXPECT("RAISERROR('%d', 10, 1, 333333333333333333333333333333)",
	       "info 50000 0 1 L1 9223372036854775807\ndone 0x0 0 0\n");
	EXPECT("SELECT DATEADD(day, 2147483647, GETDATE())",
	       "msg 517 16 1 L1 Adding a value to a 'datetime' column caused an overflow.\n"
	       "done 0x2 C1 0\n");
	EXPECT("SELECT CAST(1e300 AS bigint)",
	       "msg 8115 16 1 L1 Arithmetic overflow error converting expression to data type "
	       "bigint.\ndone 0x2 C1 0\n");
	/* found by fuzz_lab_sql: result types of DATEADD with too few arguments */
	EXPECT("SELECT COALESCE(DATEADD(day), 1), CASE WHEN 1 = 1 THEN NULL ELSE NULL END",
	       "msg 174 15 1 L1 The DATEADD function requires 3 argument(s).\ndone 0x2 C1 0\n");
	EXPECT("SELECT SUBSTRING('abc', 2, 9223372036854775807) AS s",
	       "cols s:varchar(3)?\nrow 'bc'\ndone 0x10 C1 1\n");
}

static void test_sql_exec__raiserror_print_throw(void **state)
{
	EXPECT("PRINT N'hello'; RAISERROR('step %d of %s', 10, 1, 2, N'three')",
	       "info 0 0 1 L1 hello\ninfo 50000 0 1 L1 step 2 of three\ndone 0x0 0 0\n");
	EXPECT("RAISERROR('bad thing', 16, 2); SELECT 1 AS a",
	       "msg 50000 16 2 L1 bad thing\ndone 0x2 0 0\ncols a:int\nrow 1\ndone 0x10 C1 1\n");
	EXPECT("THROW 51000, 'stop', 1; SELECT 1 AS a", "msg 51000 16 1 L1 stop\ndone 0x2 0 0\n");
	EXPECT("SELECT 1 AS a\nTHROW 49999, 'x', 1",
	       "msg 102 15 1 L2 Incorrect syntax near 'THROW'.\ndone 0x2 0 0\n");
}

static void test_sql_exec__exec_sp_executesql(void **state)
{
	EXPECT("EXEC sp_executesql N'SELECT @a + 1 AS r', N'@a int', @a = 41",
	       "cols r:int?\nrow 42\ndoneinproc 0x10 C1 1\nret 0\ndoneproc 0x0 E0 0\n");
	EXPECT("DECLARE @rc int; EXEC @rc = sp_executesql N'SELECT 1 AS x'; SELECT @rc AS rc",
	       "cols x:int\nrow 1\ndoneinproc 0x10 C1 1\nret 0\ndoneproc 0x0 E0 0\n"
	       "cols rc:int?\nrow 0\ndone 0x10 C1 1\n");
	EXPECT("EXEC sp_executesql 'SELECT 1'",
	       "msg 214 16 1 L1 [sp_executesql] Procedure expects parameter '@statement' of type "
	       "'ntext/nchar/nvarchar'.\n"
	       "ret -6\ndoneproc 0x2 E0 0\n");
}

static void test_sql_exec__sp_who(void **state)
{
	EXPECT("DECLARE @t TABLE_NOT_SUPPORTED",
	       "msg 2715 16 1 L1 Column, parameter, or variable #1: "
	       "Cannot find data type TABLE_NOT_SUPPORTED.\n"
	       "done 0x2 0 0\n");
	EXPECT("EXEC sp_who @loginame = N'nobody'",
	       "cols spid:smallint ecid:smallint status:nvarchar(30) loginame:nvarchar(128)? "
	       "hostname:nvarchar(128) blk:varchar(5)? dbname:nvarchar(128)? cmd:nvarchar(16) "
	       "request_id:int\ndoneinproc 0x10 C1 0\nret 0\ndoneproc 0x0 E0 0\n");
	{
		char expect[2048];

		snprintf(expect, sizeof(expect),
		         "cols spid:smallint ecid:smallint status:nvarchar(30) "
		         "loginame:nvarchar(128)? hostname:nvarchar(128) blk:varchar(5)? "
		         "dbname:nvarchar(128)? cmd:nvarchar(16) request_id:int\n"
		         "row 51 0 '%-30s' '%-128s' '%-128s' '0    ' '%-128s' '%-16s' 0\n"
		         "doneinproc 0x0 C1 0\nret 0\ndoneproc 0x0 E0 0\n"
		         "cols n:int\nrow 1\ndone 0x0 C1 0\n",
		         "runnable", "pcdr", "testhost", "master", "SELECT");
		EXPECT("SET NOCOUNT ON; EXEC sp_who '51'; SELECT @@ROWCOUNT AS n", expect);
	}
}

static void test_sql_exec__dynamic_sql_context_reverts(void **state)
{
	EXPECT("EXEC sp_executesql N'USE mgc; SET NOCOUNT ON; SELECT DB_NAME() AS d';"
	       " SELECT DB_NAME() AS d",
	       "env mgc<master\ninfo 5701 0 1 L1 [sp_executesql] Changed database context to "
	       "'mgc'.\n"
	       "doneinproc 0x0 0 0\ncols d:nvarchar(128)?\nrow 'mgc'\ndoneinproc 0x0 C1 0\n"
	       "env master<mgc\nret 0\ndoneproc 0x0 E0 0\n"
	       "cols d:nvarchar(128)?\nrow 'master'\ndone 0x10 C1 1\n");
	EXPECT("EXEC ('SELECT 1 AS x; SELECT * FROM nosuch'); SELECT 2 AS y",
	       "cols x:int\nrow 1\ndone 0x10 C1 1\nmsg 208 16 1 L1 Invalid object name 'nosuch'.\n"
	       "done 0x2 C1 0\ncols y:int\nrow 2\ndone 0x10 C1 1\n");
}

static void test_sql_exec__rpc(void **state)
{
	struct fixture *f = *state;
	struct lab_sink sink = rec_sink(&f->rec);
	struct lab_param p[3];
	struct arena a = ARENA_INIT;

	memset(p, 0, sizeof(p));
	p[0].value = sqlval_cstr(&a, "SELECT @P1 * 2 AS d");
	p[1].value = sqlval_cstr(&a, "@P1 int");
	p[2].name = "@P1";
	p[2].value = sqlval_int(LAB_T_INT, 21);
	strbuf_reset(&f->rec.sb);
	assert_int_equal(lab_session_rpc(f->s, "sp_executesql", p, 3, &sink), 0);
	assert_string_equal(strbuf_cstr(&f->rec.sb),
	                    "cols d:int?\nrow 42\ndoneinproc 0x10 C1 1\nret 0\ndoneproc 0x0 0 0\n");
	strbuf_reset(&f->rec.sb);
	lab_session_rpc(f->s, "sp_nothing", NULL, 0, &sink);
	assert_string_equal(strbuf_cstr(&f->rec.sb),
	                    "msg 2812 16 62 L1 Could not find stored procedure 'sp_nothing'.\n"
	                    "ret -6\ndoneproc 0x2 0 0\n");
	arena_release(&a);
}

static void test_sql_exec__batches_counted(void **state)
{
	struct fixture *f = *state;
	uint64_t before = lab_session_batches(f->s);

	run(f, "SELECT 1");
	run(f, "SELECT 2");
	assert_int_equal(lab_session_batches(f->s), before + 2);
}

static void test_sql_exec__cancel_between_statements(void **state)
{
	struct fixture *f = *state;
	const char *out;

	f->rec.cancel_after = 1;
	out = run(f, "SELECT 1 AS a; SELECT 2 AS b; SELECT 3 AS c");
	f->rec.cancel_after = 0;
	assert_string_equal(out, "cols a:int\nrow 1\ndone 0x10 C1 1\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_sql_exec__select_literals, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_sql_exec__two_result_sets, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_sql_exec__nocount, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_sql_exec__syntax_error_runs_nothing, setup,
	                                        teardown),
	        cmocka_unit_test_setup_teardown(test_sql_exec__invalid_object_aborts_the_batch,
	                                        setup, teardown),
	        cmocka_unit_test_setup_teardown(test_sql_exec__compile_errors_run_nothing, setup,
	                                        teardown),
	        cmocka_unit_test_setup_teardown(test_sql_exec__while, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_sql_exec__try_catch, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_sql_exec__waitfor_is_cancelled, setup,
	                                        teardown),
	        cmocka_unit_test_setup_teardown(test_sql_exec__statement_error_continues, setup,
	                                        teardown),
	        cmocka_unit_test_setup_teardown(test_sql_exec__use, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_sql_exec__variables_and_if, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_sql_exec__select_assigns_variable, setup,
	                                        teardown),
	        cmocka_unit_test_setup_teardown(test_sql_exec__dml_and_counts, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_sql_exec__transactions, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_sql_exec__joins, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_sql_exec__case_cast_functions, setup,
	                                        teardown),
	        cmocka_unit_test_setup_teardown(test_sql_exec__huge_numbers_are_errors_not_ub,
	                                        setup, teardown),
	        cmocka_unit_test_setup_teardown(test_sql_exec__raiserror_print_throw, setup,
	                                        teardown),
	        cmocka_unit_test_setup_teardown(test_sql_exec__exec_sp_executesql, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_sql_exec__sp_who, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_sql_exec__dynamic_sql_context_reverts, setup,
	                                        teardown),
	        cmocka_unit_test_setup_teardown(test_sql_exec__rpc, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_sql_exec__insert_exec, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_sql_exec__batches_counted, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_sql_exec__cancel_between_statements, setup,
	                                        teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
