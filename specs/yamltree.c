/*
 * yamltree: builds the position-keeping node tree from libyaml's event
 * stream. Before libyaml sees a byte, the input is checked for size,
 * UTF-8 and control characters, so that those problems get a precise
 * line:column instead of libyaml's byte offset. Anchors, aliases and tags
 * are refused (a spec must read the same to a person as to pcdr); a
 * second document is refused (one pool per file). Recursion is bounded by
 * SPEC_MAX_DEPTH and the node count by SPEC_MAX_NODES. It does not look at
 * keys or values: duplicate keys and types are validate.c's business.
 */
#include "specs/yamltree.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "specs/spec.h"
#include "util/err.h"
#include "util/vec.h"

struct tree_ctx {
	yaml_parser_t parser;
	struct arena *arena;
	const char *data;
	size_t len;
	yamltree_report_fn report;
	void *report_ctx;
	size_t n_nodes;
	bool failed; /* a problem was reported; keep going only to find more */
};

static void tree_report(struct tree_ctx *c, int line, int col, const char *hint, const char *fmt,
                        ...) __attribute__((format(printf, 5, 6)));

static void tree_report(struct tree_ctx *c, int line, int col, const char *hint, const char *fmt,
                        ...)
{
	char message[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(message, sizeof(message), fmt, ap);
	va_end(ap);
	c->failed = true;
	c->report(c->report_ctx, line, col, message, hint);
}

/* Length of the UTF-8 sequence at p (max `left` bytes) and its code point,
 * or 0 when it is not valid UTF-8 (overlong, surrogate, out of range). */
static size_t tree_utf8_decode(const unsigned char *p, size_t left, unsigned *cp)
{
	size_t n;
	unsigned v, min;

	if (p[0] < 0x80) {
		*cp = p[0];
		return 1;
	}
	if ((p[0] & 0xe0) == 0xc0)
		n = 2, v = p[0] & 0x1f, min = 0x80;
	else if ((p[0] & 0xf0) == 0xe0)
		n = 3, v = p[0] & 0x0f, min = 0x800;
	else if ((p[0] & 0xf8) == 0xf0)
		n = 4, v = p[0] & 0x07, min = 0x10000;
	else
		return 0;
	if (n > left)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		v = (v << 6) | (p[i] & 0x3f);
	}
	if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
		return 0;
	*cp = v;
	return n;
}

static bool tree_char_allowed(unsigned cp)
{
	if (cp == '\t' || cp == '\n' || cp == '\r')
		return true;
	if (cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp <= 0x9f))
		return false;
	return cp != 0xfffe && cp != 0xffff;
}

/* Size, UTF-8 and control characters, each reported at its position. */
static int tree_check_bytes(struct tree_ctx *c)
{
	const unsigned char *p = (const unsigned char *)c->data;
	size_t i = 0;
	int line = 1, col = 1;
	unsigned cp;

	if (c->len > SPEC_MAX_BYTES) {
		tree_report(c, 1, 1, "split the file or remove what is not part of the spec",
		            "the file is larger than %d bytes", SPEC_MAX_BYTES);
		return ERR_LIMIT;
	}
	if (c->len >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
		i = 3; /* a UTF-8 byte order mark is allowed and not counted */
	while (i < c->len) {
		size_t n = tree_utf8_decode(p + i, c->len - i, &cp);

		if (n == 0) {
			tree_report(c, line, col, "save the file as UTF-8",
			            "invalid UTF-8: byte 0x%02X", p[i]);
			return ERR_INVALID;
		}
		if (!tree_char_allowed(cp)) {
			tree_report(c, line, col, "remove the character; a spec is plain text",
			            "control character U+%04X is not allowed", cp);
			return ERR_INVALID;
		}
		if (cp == '\n' || (cp == '\r' && (i + 1 >= c->len || p[i + 1] != '\n')))
			line++, col = 1;
		else if (cp != '\r')
			col++;
		i += n;
	}
	return 0;
}

/* The column of the first tab on `line` (1-based) that is in the line's
 * leading blanks or at column `col`, or 0 when there is none. */
static int tree_tab_column(const struct tree_ctx *c, int line, int col)
{
	const char *p = c->data, *end = c->data + c->len;
	bool leading = true;
	int at = 1;

	for (int l = 1; l < line && p < end; p++)
		if (*p == '\n')
			l++;
	for (; p < end && *p != '\n'; p++) {
		if ((*p & 0xc0) == 0x80)
			continue; /* a UTF-8 continuation byte is not a column */
		if (*p == '\t' && (leading || at == col))
			return at;
		if (*p != ' ')
			leading = false;
		if (!leading && at >= col)
			break;
		at++;
	}
	return 0;
}

/* Line and column (1-based, in characters) of byte `offset`. libyaml gives
 * only an offset for the problems its reader finds. */
static void tree_offset_position(const struct tree_ctx *c, size_t offset, int *line, int *col)
{
	*line = 1;
	*col = 1;
	for (size_t i = 0; i < offset && i < c->len; i++) {
		if (c->data[i] == '\n') {
			++*line;
			*col = 1;
		} else if ((c->data[i] & 0xc0) != 0x80) {
			++*col;
		}
	}
}

static int tree_syntax_error(struct tree_ctx *c)
{
	yaml_parser_t *y = &c->parser;
	int line = (int)y->problem_mark.line + 1;
	int col = (int)y->problem_mark.column + 1;
	int tab;

	if (y->error == YAML_MEMORY_ERROR) {
		fprintf(stderr, "fatal: out of memory in libyaml\n");
		abort();
	}
	if (y->error == YAML_READER_ERROR)
		tree_offset_position(c, y->problem_offset, &line, &col);
	tab = y->error == YAML_READER_ERROR ? 0 : tree_tab_column(c, line, col);
	if (tab) {
		tree_report(c, line, tab,
		            "indent with spaces; YAML does not allow tabs for indentation",
		            "tab character in indentation");
	} else if (y->context) {
		tree_report(c, line, col, "check the indentation and quoting around this position",
		            "invalid YAML: %s (%s started at line %d, column %d)",
		            y->problem ? y->problem : "", y->context, (int)y->context_mark.line + 1,
		            (int)y->context_mark.column + 1);
	} else {
		tree_report(c, line, col, "check the indentation and quoting around this position",
		            "invalid YAML: %s", y->problem ? y->problem : "syntax error");
	}
	return ERR_INVALID;
}

static int tree_next(struct tree_ctx *c, yaml_event_t *ev)
{
	if (!yaml_parser_parse(&c->parser, ev))
		return tree_syntax_error(c);
	return 0;
}

static struct yamltree_node *tree_new_node(struct tree_ctx *c, enum yamltree_kind kind,
                                           const yaml_event_t *ev)
{
	struct yamltree_node *node = arena_alloc(c->arena, sizeof(*node));

	node->kind = kind;
	node->line = (int)ev->start_mark.line + 1;
	node->col = (int)ev->start_mark.column + 1;
	return node;
}

/* Anchors, tags and the node cap, checked on each node's first event. */
static int tree_check_node_event(struct tree_ctx *c, const yaml_event_t *ev)
{
	int line = (int)ev->start_mark.line + 1, col = (int)ev->start_mark.column + 1;
	const yaml_char_t *anchor = NULL, *tag = NULL;

	if (++c->n_nodes > SPEC_MAX_NODES) {
		tree_report(c, line, col,
		            "a spec is a few dozen lines; remove what does not belong",
		            "the document has more than %d nodes", SPEC_MAX_NODES);
		return ERR_LIMIT;
	}
	if (ev->type == YAML_SCALAR_EVENT) {
		anchor = ev->data.scalar.anchor;
		tag = ev->data.scalar.tag;
	} else if (ev->type == YAML_SEQUENCE_START_EVENT) {
		anchor = ev->data.sequence_start.anchor;
		tag = ev->data.sequence_start.tag;
	} else if (ev->type == YAML_MAPPING_START_EVENT) {
		anchor = ev->data.mapping_start.anchor;
		tag = ev->data.mapping_start.tag;
	}
	if (anchor)
		tree_report(c, line, col, "write the value out in full; a spec must read as-is",
		            "anchor '&%.40s' is not allowed", (const char *)anchor);
	if (tag)
		tree_report(c, line, col, "remove the tag; the schema decides each value's type",
		            "tag '%.40s' is not allowed", (const char *)tag);
	return 0;
}

static int tree_node(struct tree_ctx *c, yaml_event_t *ev, int depth, struct yamltree_node **out);

static int tree_sequence(struct tree_ctx *c, struct yamltree_node *node, int depth)
{
	VEC(struct yamltree_node *) items = VEC_INIT;
	yaml_event_t ev;
	int error;

	for (;;) {
		struct yamltree_node *child;

		if ((error = tree_next(c, &ev)) < 0)
			goto done;
		if (ev.type == YAML_SEQUENCE_END_EVENT) {
			yaml_event_delete(&ev);
			break;
		}
		if ((error = tree_node(c, &ev, depth + 1, &child)) < 0)
			goto done;
		vec_push(&items, child);
	}
	node->n_items = items.len;
	node->items = arena_calloc(c->arena, items.len, sizeof(*node->items));
	if (items.len)
		memcpy(node->items, items.items, items.len * sizeof(*items.items));
	error = 0;
done:
	vec_free(&items);
	return error;
}

static int tree_mapping(struct tree_ctx *c, struct yamltree_node *node, int depth)
{
	VEC(struct yamltree_pair) pairs = VEC_INIT;
	yaml_event_t ev;
	int error;

	for (;;) {
		struct yamltree_pair pair;

		if ((error = tree_next(c, &ev)) < 0)
			goto done;
		if (ev.type == YAML_MAPPING_END_EVENT) {
			yaml_event_delete(&ev);
			break;
		}
		if ((error = tree_node(c, &ev, depth + 1, &pair.key)) < 0)
			goto done;
		if (pair.key->kind != YAMLTREE_SCALAR)
			tree_report(c, pair.key->line, pair.key->col,
			            "write the key as a plain name",
			            "a mapping key must be a string");
		if ((error = tree_next(c, &ev)) < 0)
			goto done;
		if ((error = tree_node(c, &ev, depth + 1, &pair.value)) < 0)
			goto done;
		vec_push(&pairs, pair);
	}
	node->n_pairs = pairs.len;
	node->pairs = arena_calloc(c->arena, pairs.len, sizeof(*node->pairs));
	if (pairs.len)
		memcpy(node->pairs, pairs.items, pairs.len * sizeof(*pairs.items));
	error = 0;
done:
	vec_free(&pairs);
	return error;
}

static void tree_scalar(struct tree_ctx *c, struct yamltree_node *node, const yaml_event_t *ev)
{
	char *text = arena_alloc(c->arena, ev->data.scalar.length + 1);

	memcpy(text, ev->data.scalar.value, ev->data.scalar.length);
	text[ev->data.scalar.length] = '\0';
	node->text = text;
	node->len = ev->data.scalar.length;
	node->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
}

/* Build the node whose first event is *ev (consumed, even on failure). */
static int tree_node(struct tree_ctx *c, yaml_event_t *ev, int depth, struct yamltree_node **out)
{
	int line = (int)ev->start_mark.line + 1, col = (int)ev->start_mark.column + 1;
	int error = tree_check_node_event(c, ev);
	struct yamltree_node *node = NULL;

	if (error < 0)
		goto done;
	if (depth > SPEC_MAX_DEPTH) {
		tree_report(c, line, col, "a spec nests a few levels deep; flatten the document",
		            "the document nests deeper than %d levels", SPEC_MAX_DEPTH);
		error = ERR_LIMIT;
		goto done;
	}
	switch (ev->type) {
	case YAML_SCALAR_EVENT:
		node = tree_new_node(c, YAMLTREE_SCALAR, ev);
		tree_scalar(c, node, ev);
		break;
	case YAML_SEQUENCE_START_EVENT:
		node = tree_new_node(c, YAMLTREE_SEQUENCE, ev);
		error = tree_sequence(c, node, depth);
		break;
	case YAML_MAPPING_START_EVENT:
		node = tree_new_node(c, YAMLTREE_MAPPING, ev);
		error = tree_mapping(c, node, depth);
		break;
	case YAML_ALIAS_EVENT:
		tree_report(c, line, col, "write the value out in full; a spec must read as-is",
		            "alias '*%.40s' is not allowed", (const char *)ev->data.alias.anchor);
		node = tree_new_node(c, YAMLTREE_SCALAR, ev);
		node->text = "";
		node->plain = true;
		break;
	default:
		error = err_set(ERR_GENERIC, "unexpected YAML event %d", (int)ev->type);
		tree_report(c, line, col, NULL, "%s", err_last());
		break;
	}
done:
	yaml_event_delete(ev);
	*out = node;
	return error;
}

/* After the first document: only the end of the stream may follow. */
static int tree_expect_end(struct tree_ctx *c)
{
	yaml_event_t ev;
	int error;

	if ((error = tree_next(c, &ev)) < 0)
		return error;
	if (ev.type == YAML_DOCUMENT_START_EVENT) {
		tree_report(c, (int)ev.start_mark.line + 1, (int)ev.start_mark.column + 1,
		            "put each pool in its own file under pools/",
		            "a spec file holds one YAML document; this is a second one");
		error = ERR_INVALID;
	}
	yaml_event_delete(&ev);
	return error;
}

/* STREAM-START, DOCUMENT-START (or an empty stream), the root node,
 * DOCUMENT-END, then nothing else. */
static int tree_document(struct tree_ctx *c, struct yamltree_node **root)
{
	yaml_event_t ev;
	int error;

	if ((error = tree_next(c, &ev)) < 0)
		return error;
	yaml_event_delete(&ev); /* STREAM-START */
	if ((error = tree_next(c, &ev)) < 0)
		return error;
	if (ev.type == YAML_STREAM_END_EVENT) {
		yaml_event_delete(&ev);
		return 0;
	}
	yaml_event_delete(&ev); /* DOCUMENT-START */
	if ((error = tree_next(c, &ev)) < 0)
		return error;
	if ((error = tree_node(c, &ev, 1, root)) < 0)
		return error;
	if ((error = tree_next(c, &ev)) < 0)
		return error;
	yaml_event_delete(&ev); /* DOCUMENT-END */
	return tree_expect_end(c);
}

int yamltree_parse(struct yamltree_node **out, struct arena *arena, const char *data, size_t len,
                   yamltree_report_fn report, void *ctx)
{
	struct tree_ctx c;
	struct yamltree_node *root = NULL;
	int error;

	memset(&c, 0, sizeof(c));
	c.arena = arena;
	c.data = data;
	c.len = len;
	c.report = report;
	c.report_ctx = ctx;
	*out = NULL;
	if ((error = tree_check_bytes(&c)) < 0)
		return ERR_INVALID;
	if (c.len >= 3 && memcmp(c.data, "\xef\xbb\xbf", 3) == 0) {
		/* libyaml skips a byte order mark only when it guesses the encoding */
		c.data += 3;
		c.len -= 3;
	}
	if (!yaml_parser_initialize(&c.parser)) {
		fprintf(stderr, "fatal: out of memory in libyaml\n");
		abort();
	}
	yaml_parser_set_input_string(&c.parser, (const unsigned char *)c.data, c.len);
	yaml_parser_set_encoding(&c.parser, YAML_UTF8_ENCODING);
	error = tree_document(&c, &root);
	yaml_parser_delete(&c.parser);
	if (error == 0 && !c.failed && (!root || yamltree_is_null(root)))
		tree_report(&c, root ? root->line : 1, root ? root->col : 1,
		            "a spec starts with 'apiVersion: pcdr/v1' (see docs/spec.md)",
		            "the document is empty");
	if (error < 0 || c.failed)
		return ERR_INVALID;
	*out = root;
	return 0;
}

bool yamltree_is_null(const struct yamltree_node *node)
{
	if (node->kind != YAMLTREE_SCALAR || !node->plain)
		return false;
	return node->len == 0 || strcmp(node->text, "~") == 0 || strcmp(node->text, "null") == 0 ||
	       strcmp(node->text, "Null") == 0 || strcmp(node->text, "NULL") == 0;
}

const char *yamltree_kind_name(const struct yamltree_node *node)
{
	if (node->kind == YAMLTREE_MAPPING)
		return "a mapping";
	if (node->kind == YAMLTREE_SEQUENCE)
		return "a sequence";
	return yamltree_is_null(node) ? "null" : "a string";
}
