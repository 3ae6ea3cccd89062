/*
 * model_names: the core's enum printers taking a plain int, so that
 * observed.c (SQL Server spellings -> model) and model_json_read.c (JSON
 * -> model) can look an enum up by its name with one loop over 0..max.
 */
#ifndef PCDR_PLAN_MODEL_NAMES_H
#define PCDR_PLAN_MODEL_NAMES_H

#include "reconciler/core/model.h"

static inline const char *model_names_db_state(int v)
{
	return model_db_state_name((enum model_db_state)v);
}
static inline const char *model_names_role(int v)
{
	return model_role_name((enum model_role)v);
}
static inline const char *model_names_mirror_state(int v)
{
	return model_mirror_state_name((enum model_mirror_state)v);
}
static inline const char *model_names_safety(int v)
{
	return model_safety_name((enum model_safety)v);
}
static inline const char *model_names_recovery(int v)
{
	return model_recovery_name((enum model_recovery)v);
}
static inline const char *model_names_pool_state(int v)
{
	return model_pool_state_name((enum model_pool_state)v);
}

#endif
