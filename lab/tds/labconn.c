/*
 * labconn: the per-connection TDS state machine (MS-TDS 3.3): PRELOGIN,
 * LOGIN7, then SQL_BATCH / RPC / TRANSACTION MANAGER / ATTENTION until
 * the client leaves. Engine results arrive through a struct lab_sink
 * whose callbacks append tokens to a buffer; full packets go out as soon
 * as they fill, INFO messages are flushed at once (live RESTORE
 * progress), and the last DONE of a response is held back so that it
 * alone goes out without DONE_MORE, in the EOM packet. While the engine
 * runs, sink->cancelled() polls the socket for ATTENTION. It neither
 * parses SQL nor keeps state beyond one connection; TLS is not
 * implemented (PRELOGIN answers ENCRYPT_NOT_SUP).
 */
#include "lab/tds/labconn.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lab/tds/wire.h"
#include "util/err.h"
#include "util/log.h"
#include "util/xalloc.h"

#define RECV_CHUNK    65536
#define ROWS_PER_POLL 512

struct labconn {
	int fd;
	struct lab_world *world;
	size_t instance;
	const char *server_name;
	uint16_t spid;
	uint32_t version;
	size_t packet_size;
	struct lab_session *session;
	struct wire_login7 login; /* kept for RESETCONNECTION; password zeroed on release */
	struct strbuf in;         /* received bytes not yet taken as a message */
	struct strbuf tokens;     /* response bytes not yet sent */
	uint8_t packet_id;
	bool done_pending; /* the held-back DONE of the current response */
	uint8_t pend_token;
	uint16_t pend_status, pend_curcmd;
	uint64_t pend_rows;
	uint64_t rows_since_poll;
	struct lab_column *cols; /* types of the current result set */
	size_t n_cols;
	bool attention;           /* ATTENTION arrived while a request ran */
	bool broken;              /* the socket failed or closed */
	uint64_t next_tran, tran; /* transaction descriptors for the TM */
};

/* --- socket I/O ------------------------------------------------------------ */

static void send_all(struct labconn *c, const char *p, size_t n)
{
	while (n > 0 && !c->broken) {
		ssize_t k = send(c->fd, p, n, MSG_NOSIGNAL);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			c->broken = true;
			break;
		}
		p += k;
		n -= (size_t)k;
	}
}

enum flush_mode { FLUSH_FULL, FLUSH_PARTIAL, FLUSH_FINAL };

/* Send buffered tokens: only full packets, everything without EOM, or
 * everything ending with EOM. */
static void flush_tokens(struct labconn *c, enum flush_mode mode)
{
	struct strbuf out = STRBUF_INIT;
	size_t room = c->packet_size - WIRE_HEADER_SIZE, take = c->tokens.len;

	if (mode == FLUSH_FULL)
		take = c->tokens.len / room * room;
	if (take == 0 && mode != FLUSH_FINAL)
		return;
	wire_put_packets(&out, WIRE_PT_REPLY, c->spid, &c->packet_id,
	                 (const uint8_t *)c->tokens.ptr, take, c->packet_size, mode == FLUSH_FINAL);
	send_all(c, out.ptr, out.len);
	strbuf_release(&out);
	if (take < c->tokens.len)
		memmove(c->tokens.ptr, c->tokens.ptr + take, c->tokens.len - take);
	strbuf_truncate(&c->tokens, c->tokens.len - take);
	if (mode == FLUSH_FINAL)
		c->packet_id = 0;
}

/* recv what is there (or wait when `block`); 1 got bytes, 0 nothing, -1 closed */
static int read_more(struct labconn *c, bool block)
{
	char buf[RECV_CHUNK];
	ssize_t k;

	do
		k = recv(c->fd, buf, sizeof(buf), block ? 0 : MSG_DONTWAIT);
	while (k < 0 && errno == EINTR);
	if (k < 0 && !block && (errno == EAGAIN || errno == EWOULDBLOCK))
		return 0;
	if (k <= 0 || strbuf_add(&c->in, buf, (size_t)k) < 0) {
		c->broken = true;
		return -1;
	}
	return 1;
}

/* Take one message from the input buffer: 1, 0 (need bytes), <0 broken. */
static int take_message(struct labconn *c, struct wire_msg *msg)
{
	size_t used = 0;
	int rc = wire_msg_take(msg, (const uint8_t *)c->in.ptr, c->in.len, &used, WIRE_MESSAGE_MAX);

	if (rc < 0) {
		log_warn("%s: closing connection: %s", c->server_name, err_last());
		c->broken = true;
		return rc;
	}
	if (rc == 1) {
		memmove(c->in.ptr, c->in.ptr + used, c->in.len - used);
		strbuf_truncate(&c->in, c->in.len - used);
	}
	return rc;
}

static int next_message(struct labconn *c, struct wire_msg *msg)
{
	for (;;) {
		int rc = take_message(c, msg);
		if (rc != 0)
			return rc;
		if (read_more(c, true) < 0)
			return -1;
	}
}

/* Non-blocking look for ATTENTION while a request runs. */
static void poll_attention(struct labconn *c)
{
	struct wire_msg msg;

	if (c->broken || c->attention)
		return;
	while (read_more(c, false) > 0)
		;
	if (c->in.len >= WIRE_HEADER_SIZE && (uint8_t)c->in.ptr[0] == WIRE_PT_ATTENTION &&
	    take_message(c, &msg) == 1) {
		c->attention = true;
		wire_msg_release(&msg);
	}
}

/* --- the sink ---------------------------------------------------------------- */

static void emit_pending(struct labconn *c, bool more)
{
	if (!c->done_pending)
		return;
	wire_tok_done(&c->tokens, c->version, c->pend_token,
	              (uint16_t)(c->pend_status | (more ? WIRE_DONE_MORE : 0)), c->pend_curcmd,
	              c->pend_rows);
	c->done_pending = false;
}

static void sink_columns(void *ctx, const struct lab_column *cols, size_t n)
{
	struct labconn *c = ctx;

	if (c->attention || c->broken)
		return; /* cancelled: no new result set */
	emit_pending(c, true);
	wire_tok_colmetadata(&c->tokens, c->version, cols, n);
	/* rows are encoded by column type: keep the types, not the names */
	c->cols = xrealloc(c->cols, (n ? n : 1) * sizeof(*c->cols));
	memcpy(c->cols, cols, n * sizeof(*c->cols));
	for (size_t i = 0; i < n; i++)
		c->cols[i].name = NULL;
	c->n_cols = n;
	flush_tokens(c, FLUSH_FULL);
}

static void sink_done(void *ctx, enum lab_done_kind kind, uint16_t status, uint16_t curcmd,
                      uint64_t rowcount)
{
	struct labconn *c = ctx;

	emit_pending(c, true);
	c->done_pending = true;
	c->pend_token = kind == LAB_DONE_PROC      ? WIRE_TOK_DONEPROC
	                : kind == LAB_DONE_IN_PROC ? WIRE_TOK_DONEINPROC
	                                           : WIRE_TOK_DONE;
	c->pend_status = (uint16_t)(status & ~WIRE_DONE_MORE);
	c->pend_curcmd = curcmd;
	c->pend_rows = rowcount;
	if (c->attention) { /* rows were dropped: no count (facts 5.4 rule 1) */
		c->pend_status &= (uint16_t)~WIRE_DONE_COUNT;
		c->pend_rows = 0;
	}
}

static void sink_message(void *ctx, const struct lab_message *msg)
{
	struct labconn *c = ctx;

	emit_pending(c, true);
	wire_tok_message(&c->tokens, c->version, msg);
	flush_tokens(c, FLUSH_PARTIAL);
}

static void sink_env_database(void *ctx, const char *new_db, const char *old_db)
{
	struct labconn *c = ctx;

	emit_pending(c, true);
	wire_tok_env_text(&c->tokens, WIRE_ENV_DATABASE, new_db, old_db);
}

static void sink_return_status(void *ctx, int32_t status)
{
	struct labconn *c = ctx;

	emit_pending(c, true);
	wire_tok_returnstatus(&c->tokens, status);
}

static void sink_return_value(void *ctx, uint16_t ordinal, const char *name,
                              const struct lab_value *value)
{
	struct labconn *c = ctx;

	emit_pending(c, true);
	wire_tok_returnvalue(&c->tokens, c->version, ordinal, name, value);
}

static bool sink_cancelled(void *ctx)
{
	struct labconn *c = ctx;

	poll_attention(c);
	return c->attention || c->broken;
}

static void sink_row(void *ctx, const struct lab_value *vals, size_t n)
{
	struct labconn *c = ctx;

	if (c->attention || c->broken)
		return;
	if (n != c->n_cols) {
		log_error("%s: engine sent a row of %zu values for %zu columns", c->server_name, n,
		          c->n_cols);
		return;
	}
	if (++c->rows_since_poll >= ROWS_PER_POLL) {
		c->rows_since_poll = 0;
		poll_attention(c);
	}
	emit_pending(c, true);
	wire_tok_row(&c->tokens, c->version, c->cols, vals, n);
	flush_tokens(c, FLUSH_FULL);
}

static const struct lab_sink *conn_sink(struct labconn *c, struct lab_sink *sink)
{
	sink->ctx = c;
	sink->columns = sink_columns;
	sink->row = sink_row;
	sink->done = sink_done;
	sink->message = sink_message;
	sink->env_database = sink_env_database;
	sink->return_status = sink_return_status;
	sink->cancelled = sink_cancelled;
	sink->return_value = sink_return_value;
	return sink;
}

/* --- responses ------------------------------------------------------------- */

/* End the current response: its last DONE without MORE, EOM; then the
 * attention acknowledgement in a message of its own (facts 5.4). */
static void finish_response(struct labconn *c, bool rpc)
{
	if (rpc && !(c->done_pending && c->pend_token == WIRE_TOK_DONEPROC)) {
		emit_pending(c, true);
		wire_tok_done(&c->tokens, c->version, WIRE_TOK_DONEPROC, 0, 0, 0);
	} else if (c->done_pending) {
		emit_pending(c, false);
	} else {
		wire_tok_done(&c->tokens, c->version, WIRE_TOK_DONE, 0, 0, 0);
	}
	flush_tokens(c, FLUSH_FINAL);
	c->rows_since_poll = 0;
	if (c->attention) {
		c->attention = false;
		wire_tok_done(&c->tokens, c->version, WIRE_TOK_DONE, WIRE_DONE_ATTN, 0, 0);
		flush_tokens(c, FLUSH_FINAL);
	}
}

static void send_error(struct labconn *c, int32_t number, uint8_t severity, uint8_t state,
                       const char *text)
{
	struct lab_message m = {true, number, state, severity, text, c->server_name, "", 1};

	wire_tok_message(&c->tokens, c->version ? c->version : WIRE_V74, &m);
}

/* --- login ------------------------------------------------------------------ */

static int login_fail(struct labconn *c, const struct lab_login_result *res)
{
	log_info("%s: login failed for user '%s' (error %d)", c->server_name, c->login.user,
	         res->error);
	char text[sizeof(res->message)];

	if (res->message[0])
		snprintf(text, sizeof(text), "%s", res->message);
	else
		snprintf(text, sizeof(text), "Login failed for user '%.128s'.", c->login.user);
	send_error(c, res->error ? res->error : 18456, res->severity ? res->severity : 14,
	           res->state ? res->state : 1, text);
	wire_tok_done(&c->tokens, c->version, WIRE_TOK_DONE, WIRE_DONE_ERROR, 0, 0);
	flush_tokens(c, FLUSH_FINAL);
	return -1;
}

static void fill_login(struct labconn *c, struct lab_login *l)
{
	memset(l, 0, sizeof(*l));
	l->user = c->login.user;
	l->password = c->login.password;
	l->database = c->login.database;
	l->app_name = c->login.app;
	l->host_name = c->login.host;
	l->language = c->login.language;
	l->tds_version = c->version;
	l->packet_size = (uint32_t)wire_packet_size_choose(c->login.packet_size);
}

static int do_login(struct labconn *c, const struct wire_msg *msg)
{
	struct lab_login_result res;
	struct wire_login_ack ack;
	struct lab_login l;

	if (wire_login7_parse(&c->login, (const uint8_t *)msg->payload.ptr, msg->payload.len) < 0) {
		log_warn("%s: bad LOGIN7: %s", c->server_name, err_last());
		return -1;
	}
	if (!(c->version = wire_version_choose(c->login.tds_version))) {
		log_warn("%s: TDS version 0x%08x not supported", c->server_name,
		         c->login.tds_version);
		return -1;
	}
	memset(&res, 0, sizeof(res));
	if (c->login.integrated_security) {
		res.error = 18452;
		snprintf(res.message, sizeof(res.message),
		         "Login failed. The login is from an untrusted domain and cannot be used "
		         "with Integrated authentication.");
		return login_fail(c, &res);
	}
	fill_login(c, &l);
	if (lab_session_open(c->world, c->instance, &l, &c->session, &res) < 0) {
		c->session = NULL;
		return login_fail(c, &res);
	}
	if (res.spid > 0 && res.spid < 65536)
		c->spid = (uint16_t)res.spid;
	memset(&ack, 0, sizeof(ack));
	ack.tds_version = c->version;
	ack.database = res.database;
	ack.server = c->server_name;
	ack.partner = res.partner;
	ack.packet_size = l.packet_size;
	ack.requested_packet_size = c->login.packet_size;
	wire_login_response(&c->tokens, &ack);
	flush_tokens(c, FLUSH_FINAL); /* still in 4096-byte packets */
	c->packet_size = l.packet_size;
	log_info("%s: spid %u: login '%s' from '%s' (%s), TDS 0x%08x, packets of %zu bytes",
	         c->server_name, c->spid, c->login.user, c->login.host, c->login.app, c->version,
	         c->packet_size);
	return 0;
}

/* PRELOGIN (optional) then LOGIN7. */
static int handshake(struct labconn *c)
{
	struct wire_msg msg;
	int rc;

	if (next_message(c, &msg) <= 0)
		return -1;
	if (msg.type == WIRE_PT_PRELOGIN) {
		struct wire_prelogin pre;

		rc = wire_prelogin_parse(&pre, (const uint8_t *)msg.payload.ptr, msg.payload.len);
		wire_msg_release(&msg);
		if (rc < 0) {
			log_warn("%s: %s", c->server_name, err_last());
			return -1;
		}
		lab_world_delay(c->world, c->instance); /* the PRELOGIN round trip */
		wire_prelogin_reply(&c->tokens);
		flush_tokens(c, FLUSH_FINAL);
		if (next_message(c, &msg) <= 0)
			return -1;
	}
	if (msg.type != WIRE_PT_LOGIN7) {
		log_warn("%s: expected LOGIN7, got packet type 0x%02x", c->server_name, msg.type);
		wire_msg_release(&msg);
		return -1;
	}
	lab_world_delay(c->world, c->instance); /* the LOGIN7 round trip */
	rc = do_login(c, &msg);
	wire_msg_release(&msg);
	return rc;
}

/* RESETCONNECTION: a fresh session with the same login. */
static int reset_session(struct labconn *c)
{
	struct lab_login_result res;
	struct lab_login l;

	lab_session_close(c->session); /* ends (rolls back) any open transaction */
	c->session = NULL;
	c->tran = 0;
	fill_login(c, &l);
	memset(&res, 0, sizeof(res));
	if (lab_session_open(c->world, c->instance, &l, &c->session, &res) < 0) {
		c->session = NULL;
		return login_fail(c, &res);
	}
	return 0;
}

/* --- requests ---------------------------------------------------------------- */

static int run_batch(struct labconn *c, const struct wire_msg *msg)
{
	struct lab_sink sink;
	char *sql = NULL;
	int rc;

	if (wire_batch_parse(&sql, (const uint8_t *)msg->payload.ptr, msg->payload.len,
	                     c->version) < 0) {
		log_warn("%s: spid %u: %s", c->server_name, c->spid, err_last());
		return -1;
	}
	log_debug("%s: spid %u: batch: %s", c->server_name, c->spid, sql);
	rc = lab_session_batch(c->session, sql, conn_sink(c, &sink));
	free(sql);
	finish_response(c, false);
	return rc;
}

static int run_rpc(struct labconn *c, const struct wire_msg *msg)
{
	struct arena arena = ARENA_INIT;
	struct wire_rpc *calls = NULL;
	struct lab_sink sink;
	size_t n = 0, i;
	int rc = 0;

	if (wire_rpc_parse(&calls, &n, &arena, (const uint8_t *)msg->payload.ptr, msg->payload.len,
	                   c->version) < 0) {
		/* the whole message was read: report and keep the connection */
		log_warn("%s: spid %u: %s", c->server_name, c->spid, err_last());
		send_error(c, 8009, 16, 1,
		           "The incoming tabular data stream (TDS) remote procedure call (RPC) "
		           "protocol stream is incorrect.");
		c->done_pending = true;
		c->pend_token = WIRE_TOK_DONEPROC;
		c->pend_status = WIRE_DONE_ERROR;
		c->pend_curcmd = 0;
		c->pend_rows = 0;
		n = 0;
	}
	for (i = 0; i < n && rc == 0 && !c->attention && !c->broken; i++) {
		log_debug("%s: spid %u: rpc %s (%zu parameters)", c->server_name, c->spid,
		          calls[i].proc, calls[i].n_params);
		rc = lab_session_rpc(c->session, calls[i].proc, calls[i].params, calls[i].n_params,
		                     conn_sink(c, &sink));
	}
	finish_response(c, true);
	arena_release(&arena);
	return rc;
}

/* TRANSACTION MANAGER requests run as the engine's own T-SQL transaction
 * statements, through a sink that keeps their messages (errors such as
 * 3902) and drops their DONEs: the TM response is ENVCHANGE + one DONE. */
struct tm_run {
	struct labconn *c;
	bool failed;
};

static void tm_columns(void *ctx, const struct lab_column *cols, size_t n)
{
	(void)ctx, (void)cols, (void)n;
}

static void tm_row(void *ctx, const struct lab_value *vals, size_t n)
{
	(void)ctx, (void)vals, (void)n;
}

static void tm_done(void *ctx, enum lab_done_kind kind, uint16_t status, uint16_t curcmd,
                    uint64_t rowcount)
{
	struct tm_run *t = ctx;

	(void)kind, (void)curcmd, (void)rowcount;
	t->failed = t->failed || (status & WIRE_DONE_ERROR);
}

static void tm_message(void *ctx, const struct lab_message *msg)
{
	struct tm_run *t = ctx;

	t->failed = t->failed || msg->is_error;
	sink_message(t->c, msg);
}

static void tm_env_database(void *ctx, const char *new_db, const char *old_db)
{
	struct tm_run *t = ctx;
	sink_env_database(t->c, new_db, old_db);
}

static void tm_return_status(void *ctx, int32_t status)
{
	(void)ctx, (void)status;
}

static bool tm_cancelled(void *ctx)
{
	(void)ctx;
	return false;
}

/* 0, 1 when the engine refused the statement, -1 when the session must end */
static int tm_statement(struct labconn *c, const char *sql)
{
	struct tm_run t = {c, false};
	struct lab_sink sink = {&t,         tm_columns,      tm_row,           tm_done,
	                        tm_message, tm_env_database, tm_return_status, tm_cancelled,
	                        NULL};

	if (lab_session_batch(c->session, sql, &sink) < 0)
		return -1;
	return t.failed ? 1 : 0;
}

static void tm_descriptor(struct labconn *c, uint8_t type, uint64_t tran)
{
	uint8_t desc[8];

	for (size_t i = 0; i < 8; i++)
		desc[i] = (uint8_t)(tran >> (8 * i));
	if (type == WIRE_ENV_BEGIN_TRAN)
		wire_tok_env_bytes(&c->tokens, type, desc, 8, NULL, 0);
	else
		wire_tok_env_bytes(&c->tokens, type, NULL, 0, desc, 8);
}

/* TRANSACTION MANAGER (facts 5.5): begin, commit or rollback, and begin again. */
static int run_tm(struct labconn *c, const struct wire_msg *msg)
{
	bool end = false, begin = false;
	struct wire_tm tm;
	int rc = 0;

	if (wire_tm_parse(&tm, (const uint8_t *)msg->payload.ptr, msg->payload.len, c->version) <
	    0) {
		log_warn("%s: spid %u: %s", c->server_name, c->spid, err_last());
		return -1;
	}
	end = tm.type == WIRE_TM_COMMIT || tm.type == WIRE_TM_ROLLBACK;
	begin = tm.type == WIRE_TM_BEGIN || tm.begin_new;
	if (end) {
		rc = tm_statement(c, tm.type == WIRE_TM_COMMIT ? "COMMIT TRANSACTION"
		                                               : "ROLLBACK TRANSACTION");
		if (rc == 0 && c->tran)
			tm_descriptor(c,
			              tm.type == WIRE_TM_COMMIT ? WIRE_ENV_COMMIT_TRAN
			                                        : WIRE_ENV_ROLLBACK_TRAN,
			              c->tran);
		c->tran = 0;
	}
	if (begin && rc == 0 && (rc = tm_statement(c, "BEGIN TRANSACTION")) == 0) {
		c->tran = ++c->next_tran;
		tm_descriptor(c, WIRE_ENV_BEGIN_TRAN, c->tran);
	}
	if (!end && !begin) {
		char text[128];

		snprintf(text, sizeof(text),
		         "The lab does not support transaction manager request type %u.", tm.type);
		send_error(c, 50000, 16, 1, text);
		rc = 1;
	}
	if (rc > 0) { /* refused: the messages are out, the DONE says so */
		c->done_pending = true;
		c->pend_token = WIRE_TOK_DONE;
		c->pend_status = WIRE_DONE_ERROR;
		c->pend_curcmd = 0;
		c->pend_rows = 0;
	}
	finish_response(c, false);
	return rc < 0 ? -1 : 0;
}

static int dispatch(struct labconn *c, const struct wire_msg *msg)
{
	bool request =
	        msg->type == WIRE_PT_BATCH || msg->type == WIRE_PT_RPC || msg->type == WIRE_PT_TM;

	if (msg->type == WIRE_PT_ATTENTION) {
		wire_tok_done(&c->tokens, c->version, WIRE_TOK_DONE, WIRE_DONE_ATTN, 0, 0);
		flush_tokens(c, FLUSH_FINAL);
		return 0;
	}
	if (!request) {
		log_warn("%s: spid %u: unexpected packet type 0x%02x, closing", c->server_name,
		         c->spid, msg->type);
		return -1;
	}
	lab_world_delay(c->world, c->instance); /* pcdr-lab latency: every round trip */
	if (msg->last_status & WIRE_ST_IGNORE) {
		finish_response(c, false);
		return 0;
	}
	if ((msg->first_status & (WIRE_ST_RESET | WIRE_ST_RESET_SKIPTRAN)) && reset_session(c) < 0)
		return -1;
	if (msg->type == WIRE_PT_BATCH)
		return run_batch(c, msg);
	if (msg->type == WIRE_PT_RPC)
		return run_rpc(c, msg);
	return run_tm(c, msg);
}

void labconn_serve(int fd, struct lab_world *world, size_t instance, const char *server_name,
                   uint16_t spid)
{
	struct labconn c;
	struct wire_msg msg;
	int one = 1;

	memset(&c, 0, sizeof(c));
	c.fd = fd;
	c.world = world;
	c.instance = instance;
	c.server_name = server_name;
	c.spid = spid;
	c.packet_size = WIRE_PACKET_DEFAULT;
	strbuf_init(&c.in, WIRE_MESSAGE_MAX + 2 * RECV_CHUNK);
	strbuf_init(&c.tokens, 0);
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	err_clear();
	if (handshake(&c) == 0) {
		while (!c.broken && next_message(&c, &msg) > 0) {
			int rc = dispatch(&c, &msg);
			wire_msg_release(&msg);
			if (rc < 0)
				break;
		}
	}
	if (c.session)
		lab_session_close(c.session);
	wire_login7_release(&c.login);
	strbuf_release(&c.in);
	strbuf_release(&c.tokens);
	free(c.cols);
}
