/*
 * model_json_int: what model_json.c (writer) and model_json_read.c
 * (reader) share: the names of the `want` bits, and how a model is told
 * to be a desired one (it carries a topology).
 */
#ifndef PCDR_PLAN_MODEL_JSON_INT_H
#define PCDR_PLAN_MODEL_JSON_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "reconciler/core/model.h"

struct model_json_want {
	unsigned bit;
	const char *name;
};

static const struct model_json_want model_json_wants[] = {
        {MODEL_WANT_STATE, "state"},           {MODEL_WANT_MIRRORING, "mirroring"},
        {MODEL_WANT_LS_PRIMARY, "ls_primary"}, {MODEL_WANT_LS_SECONDARY, "ls_secondary"},
        {MODEL_WANT_IN_CHAIN, "in_chain"},     {MODEL_WANT_EXISTS, "exists"},
};
#define MODEL_JSON_N_WANTS (sizeof(model_json_wants) / sizeof(model_json_wants[0]))

/* A desired model carries the topology of its spec. */
bool model_json_is_desired(const struct model *m);

#endif
