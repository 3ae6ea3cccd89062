/*
 * catalog: helpers shared by the files that generate catalog views
 * (catalog.c, catalog_files.c): column specifications and a row builder
 * that fills a rowset in the batch arena. Internal to lab/sql.
 */
#ifndef PCDR_LAB_SQL_CATALOG_H
#define PCDR_LAB_SQL_CATALOG_H

#include "lab/sql/exec.h"

struct colspec {
	const char *name;
	enum lab_type type;
	int32_t length;
	uint8_t precision, scale;
	bool nullable;
};

#define C_SYSNAME(n, nul)                                                                          \
	{                                                                                          \
		n, LAB_T_NVARCHAR, 128, 0, 0, nul                                                  \
	}
#define C_DESC(n)                                                                                  \
	{                                                                                          \
		n, LAB_T_NVARCHAR, 60, 0, 0, true                                                  \
	}
#define C_INT(n, nul)                                                                              \
	{                                                                                          \
		n, LAB_T_INT, 4, 10, 0, nul                                                        \
	}
#define C_SMALL(n, nul)                                                                            \
	{                                                                                          \
		n, LAB_T_SMALLINT, 2, 5, 0, nul                                                    \
	}
#define C_TINY(n, nul)                                                                             \
	{                                                                                          \
		n, LAB_T_TINYINT, 1, 3, 0, nul                                                     \
	}
#define C_BIT(n, nul)                                                                              \
	{                                                                                          \
		n, LAB_T_BIT, 1, 1, 0, nul                                                         \
	}
#define C_DT(n, nul)                                                                               \
	{                                                                                          \
		n, LAB_T_DATETIME, 8, 23, 3, nul                                                   \
	}
#define C_LSN(n)                                                                                   \
	{                                                                                          \
		n, LAB_T_NUMERIC, 17, 25, 0, true                                                  \
	}

struct builder {
	struct sqlctx *c;
	struct rowset *rs;
	size_t k;
	struct lab_value *row;
};

void catalog_start(struct builder *b, struct sqlctx *c, struct rowset *rs,
                   const struct colspec *spec, size_t n_cols, size_t max_rows);
void catalog_row(struct builder *b);
void catalog_put_int(struct builder *b, int64_t i);
void catalog_put_text(struct builder *b, const char *s);
void catalog_put_time(struct builder *b, int64_t us);
void catalog_put_null(struct builder *b);
void catalog_put_lsn(struct builder *b, const char *lsn);
void catalog_put_guid(struct builder *b, const uint8_t g[16]);

/* sys.dm_exec_connections, sys.database_recovery_status, sys.master_files
 * (catalog_files.c). */
void catalog_connections(struct sqlctx *c, struct rowset *rs);
void catalog_recovery_status(struct sqlctx *c, struct rowset *rs);
void catalog_master_files(struct sqlctx *c, struct rowset *rs);

#endif
