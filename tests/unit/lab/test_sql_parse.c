/*
 * Unit tests for the lab's T-SQL tokenizer and parser: statements become
 * the expected trees; bad input becomes SQL Server's error number,
 * severity and text (a table: SQL -> "number severity line text").
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "lab/sql/ast.h"

static const struct sqlbatch *parse_ok(struct arena *a, const char *sql)
{
	static struct sqlbatch b;
	struct sqlerr e;

	memset(&e, 0, sizeof(e));
	if (sqlparse_batch(&b, sql, strlen(sql), a, &e)) {
		print_error("unexpected error %d: %s\n", e.number, e.text);
		fail();
	}
	return &b;
}

static void test_sql_parse__select_tree(void **state)
{
	struct arena a = ARENA_INIT;
	const struct sqlbatch *b = parse_ok(
	        &a, "SELECT TOP (5) d.name AS [db name], COUNT(*) n FROM master.sys.databases AS d "
	            "LEFT JOIN sys.database_mirroring m ON m.database_id = d.database_id "
	            "WHERE d.name LIKE N'mg%' AND m.mirroring_guid IS NOT NULL ORDER BY 1 DESC");
	const struct sqlselect *q;

	(void)state;
	assert_int_equal(b->n, 1);
	assert_int_equal(b->stmts[0]->kind, ST_SELECT);
	q = b->stmts[0]->select;
	assert_non_null(q->top);
	assert_int_equal(q->n_items, 2);
	assert_string_equal(q->items[0].alias, "db name");
	assert_int_equal(q->items[0].expr->kind, EX_COL);
	assert_string_equal(q->items[0].expr->qual, "d");
	assert_int_equal(q->items[1].expr->kind, EX_AGG);
	assert_true(q->items[1].expr->star);
	assert_int_equal(q->n_from, 2);
	assert_string_equal(q->from[0].obj.db, "master");
	assert_string_equal(q->from[0].obj.schema, "sys");
	assert_string_equal(q->from[0].obj.name, "databases");
	assert_int_equal(q->from[1].join, JN_LEFT);
	assert_string_equal(q->from[1].alias, "m");
	assert_int_equal(q->where->kind, EX_BIN);
	assert_string_equal(q->where->op, "AND");
	assert_int_equal(q->where->args[0]->kind, EX_LIKE);
	assert_int_equal(q->where->args[1]->kind, EX_ISNULL);
	assert_true(q->where->args[1]->negate);
	assert_true(q->order[0].desc);
	arena_release(&a);
}

static void test_sql_parse__statements(void **state)
{
	struct arena a = ARENA_INIT;
	const struct sqlbatch *b = parse_ok(
	        &a,
	        "USE [my]]db]; SET NOCOUNT ON; DECLARE @x int = 1, @s nvarchar(max);\n"
	        "SET @s = N'it''s'; EXEC @x = msdb.dbo.sp_help_job @job_name = N'j', @x OUTPUT;\n"
	        "IF @x = 0 BEGIN PRINT 'a' END ELSE RAISERROR('m', 10, 1) WITH NOWAIT;\n"
	        "THROW 50000, 'x', 1; CREATE TABLE t (a int NOT NULL PRIMARY KEY, b varchar(10));\n"
	        "INSERT INTO t (a) VALUES (1), (2); UPDATE t SET b = 'x' WHERE a = 1;\n"
	        "DELETE FROM t WHERE a > 1; DROP TABLE IF EXISTS t /* done */ -- end");
	static const enum sqlstmt_kind kinds[] = {
	        ST_USE,   ST_SET_OPTION,   ST_DECLARE, ST_SET_VAR, ST_EXEC,   ST_IF,
	        ST_THROW, ST_CREATE_TABLE, ST_INSERT,  ST_UPDATE,  ST_DELETE, ST_DROP_TABLE,
	};

	(void)state;
	assert_int_equal(b->n, sizeof(kinds) / sizeof(kinds[0]));
	for (size_t i = 0; i < b->n; i++)
		assert_int_equal(b->stmts[i]->kind, kinds[i]);
	assert_string_equal(b->stmts[0]->name, "my]db");
	assert_true(b->stmts[1]->on);
	assert_int_equal(b->stmts[2]->n_decls, 2);
	assert_int_equal(b->stmts[2]->decls[1].type.length, -1);
	assert_string_equal(b->stmts[3]->expr->lit.s, "it's");
	assert_string_equal(b->stmts[4]->name, "@x");
	assert_string_equal(b->stmts[4]->obj.db, "msdb");
	assert_int_equal(b->stmts[4]->n_xargs, 2);
	assert_true(b->stmts[4]->xargs[1].output);
	assert_int_equal(b->stmts[5]->body[1]->kind, ST_RAISERROR);
	assert_false(b->stmts[7]->cols[0].nullable);
	assert_int_equal(b->stmts[7]->cols[1].type.type, LAB_T_VARCHAR);
	assert_int_equal(b->stmts[8]->n_rows, 2);
	assert_true(b->stmts[11]->if_exists);
	assert_int_equal(b->stmts[11]->line, 6);
	arena_release(&a);
}

static void test_sql_parse__errors(void **state)
{
	static const struct {
		const char *sql;
		const char *expect;
	} cases[] = {
	        {"SELECT FROM t", "156 15 1 Incorrect syntax near the keyword 'FROM'."},
	        {"SELECT 1 +", "102 15 1 Incorrect syntax near '+'."},
	        {"SELECT (1", "102 15 1 Incorrect syntax near '1'."},
	        {"SELECT * FROM", "156 15 1 Incorrect syntax near the keyword 'FROM'."},
	        {"SELECT 1\nWHERE", "156 15 2 Incorrect syntax near the keyword 'WHERE'."},
	        {"SELECT 'abc",
	         "105 15 1 Unclosed quotation mark after the character string 'abc'."},
	        {"SELECT [abc",
	         "105 15 1 Unclosed quotation mark after the character string 'abc'."},
	        {"SELECT 1 /* never", "113 15 1 Missing end comment mark '*/'."},
	        {"SELECT ?", "102 15 1 Incorrect syntax near '?'."},
	        {"UPDATE t", "102 15 1 Incorrect syntax near 't'."},
	        {"DECLARE @x foo",
	         "2715 16 1 Column, parameter, or variable #1: Cannot find data type foo."},
	        {"SELECT 1; GO", "102 15 1 Incorrect syntax near 'GO'."},
	        {"SELECT COUNT(1, 2)", "174 15 1 The COUNT function requires 1 argument(s)."},
	        {"BEGIN SELECT 1", "102 15 1 Incorrect syntax near '1'."},
	        {"SELECT 1 THROW 50000, 'x', 1", "102 15 1 Incorrect syntax near '50000'."},
	};
	char got[600];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct arena a = ARENA_INIT;
		struct sqlbatch b;
		struct sqlerr e;

		memset(&e, 0, sizeof(e));
		assert_int_equal(sqlparse_batch(&b, cases[i].sql, strlen(cases[i].sql), &a, &e),
		                 -1);
		snprintf(got, sizeof(got), "%d %d %d %s", e.number, e.severity, e.line, e.text);
		if (strcmp(got, cases[i].expect) != 0)
			print_error("case %zu: %s\n", i, cases[i].sql);
		assert_string_equal(got, cases[i].expect);
		arena_release(&a);
	}
}

static void test_sql_parse__nesting_is_bounded(void **state)
{
	char sql[20000];
	size_t n = 0;
	struct arena a = ARENA_INIT;
	struct sqlbatch b;
	struct sqlerr e;

	(void)state;
	n += (size_t)snprintf(sql, sizeof(sql), "SELECT ");
	for (int i = 0; i < 5000; i++)
		sql[n++] = '(';
	sql[n++] = '1';
	for (int i = 0; i < 5000; i++)
		sql[n++] = ')';
	sql[n] = '\0';
	memset(&e, 0, sizeof(e));
	assert_int_equal(sqlparse_batch(&b, sql, n, &a, &e), -1);
	assert_int_equal(e.number, 191);
	arena_release(&a);
}

static void test_sql_parse__reserved_words_are_sorted(void **state)
{
	(void)state;
	assert_true(sqllex_reserved("select"));
	assert_true(sqllex_reserved("IDENTITY_INSERT"));
	assert_true(sqllex_reserved("WRITETEXT"));
	assert_true(sqllex_reserved("ADD"));
	assert_false(sqllex_reserved("THROW"));
	assert_false(sqllex_reserved("name"));
}

static void test_sql_parse__sp_executesql_params(void **state)
{
	struct arena a = ARENA_INIT;
	struct sqldecl *d;
	size_t n;
	struct sqlerr e;

	(void)state;
	memset(&e, 0, sizeof(e));
	assert_int_equal(sqlparse_params(&d, &n, "@P1 INT, @name nvarchar(128) OUTPUT", &a, &e), 0);
	assert_int_equal(n, 2);
	assert_string_equal(d[1].name, "@name");
	assert_int_equal(d[1].type.type, LAB_T_NVARCHAR);
	assert_int_equal(d[1].type.length, 128);
	assert_int_equal(sqlparse_params(&d, &n, "@P1 INT @P2 int", &a, &e), -1);
	assert_int_equal(e.number, 102);
	arena_release(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_sql_parse__select_tree),
	        cmocka_unit_test(test_sql_parse__statements),
	        cmocka_unit_test(test_sql_parse__errors),
	        cmocka_unit_test(test_sql_parse__nesting_is_bounded),
	        cmocka_unit_test(test_sql_parse__reserved_words_are_sorted),
	        cmocka_unit_test(test_sql_parse__sp_executesql_params),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
