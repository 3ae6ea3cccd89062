/*
 * mssql_result: the plain container a batch's results land in: result
 * sets of text cells and the server's messages, all in one arena. No
 * db-lib here, so parsers and their tests can build results by hand.
 */
#include <stdlib.h>
#include <string.h>

#include "providers/mssql/mssql.h"
#include "util/xalloc.h"

void mssql_result_init(struct mssql_result *res)
{
	memset(res, 0, sizeof(*res));
	arena_init(&res->arena);
}

void mssql_result_release(struct mssql_result *res)
{
	if (!res)
		return;
	free(res->sets);
	free(res->messages);
	arena_release(&res->arena);
	memset(res, 0, sizeof(*res));
}

struct mssql_rowset *mssql_result_add_set(struct mssql_result *res, const char *const *columns,
                                          size_t n_columns)
{
	struct mssql_rowset *set;

	if (res->n_sets == res->cap_sets) {
		res->cap_sets = res->cap_sets ? 2 * res->cap_sets : 16;
		res->sets = xrealloc(res->sets, res->cap_sets * sizeof(*res->sets));
	}
	set = &res->sets[res->n_sets++];
	memset(set, 0, sizeof(*set));
	set->n_columns = n_columns;
	set->columns = arena_calloc(&res->arena, n_columns ? n_columns : 1, sizeof(char *));
	for (size_t i = 0; i < n_columns; i++)
		set->columns[i] = arena_strdup(&res->arena, columns[i] ? columns[i] : "");
	return set;
}

/* Cells live in an arena array whose row capacity is the next power of
 * two: it is reallocated when the row count reaches one. */
void mssql_rowset_add_row(struct mssql_result *res, struct mssql_rowset *set,
                          const char *const *cells)
{
	size_t n = set->n_columns;
	const char **grown;

	if (set->n_rows == 0 || (set->n_rows & (set->n_rows - 1)) == 0) {
		grown = arena_calloc(&res->arena, (set->n_rows ? 2 * set->n_rows : 1) * (n ? n : 1),
		                     sizeof(char *));
		if (set->n_rows)
			memcpy(grown, set->cells, set->n_rows * n * sizeof(char *));
		set->cells = grown;
	}
	for (size_t i = 0; i < n; i++)
		set->cells[set->n_rows * n + i] =
		        cells[i] ? arena_strdup(&res->arena, cells[i]) : NULL;
	set->n_rows++;
}

void mssql_result_add_message(struct mssql_result *res, const struct mssql_message *msg)
{
	struct mssql_message *m;

	if (res->n_messages == res->cap_messages) {
		res->cap_messages = res->cap_messages ? 2 * res->cap_messages : 16;
		res->messages = xrealloc(res->messages, res->cap_messages * sizeof(*res->messages));
	}
	m = &res->messages[res->n_messages++];
	*m = *msg;
	m->text = arena_strdup(&res->arena, msg->text ? msg->text : "");
	m->proc = arena_strdup(&res->arena, msg->proc ? msg->proc : "");
	if (msg->severity > 10 && !res->first_error) {
		res->first_error = m->text;
		res->first_error_number = msg->number;
	}
}
