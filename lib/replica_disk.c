/*
 * The shell's disk steps that replace history (share/doc/replication.md
 * "The shell"): TRUNCATE cuts the log, INSTALL_SNAP replaces tree and log
 * with the leader's snapshot, and SEND_SNAP encodes this member's tree
 * for a learner. Each runs on the loop, durably, before the next action
 * (replica.c (2)); a failure stops the peer, leaving the data directory in
 * a state the next start recovers.
 *
 * Invariants (replica.c (3), (4)):
 *  (1) Before the log is cut or replaced, a running snapshot child is
 *      waited for and the writer drained and closed; its completions are
 *      dropped, since the machine counts the log durable up to the cut.
 *  (2) Afterwards the db is rebuilt from what the directories hold, and
 *      must come out at exactly the zxid the machine asked for.
 */
#include <stdlib.h>
#include <string.h>

#include "recover.h"
#include "replica_int.h"
#include "snap.h"

void
zk_replica_send_snap(struct zk_replica *r, const struct zk_zab_action *a)
{
	struct zk_server	*s = r->s;
	struct zk_zab_msg	 m;
	struct zk_buf		 b;
	int			 rc;

	if (s->db.last_zxid != a->zxid) {
		/* replica.c (3) broken: our bug, and the learner will retry. */
		rlog(r, "sync %d: SNAP at 0x%llx asked, but the tree is at "
		    "0x%llx; not sent", a->sid, (unsigned long long)a->zxid,
		    (unsigned long long)s->db.last_zxid);
		return;
	}
	rlog(r, "sync %d: SNAP at 0x%llx", a->sid, (unsigned long long)a->zxid);
	zk_buf_init(&b);
	zk_snap_encode(&s->db, a->zxid, &b);
	memset(&m, 0, sizeof(m));
	m.type = ZK_ZAB_SNAP;
	m.zxid = a->zxid;
	m.digest = zk_tree_digest(s->db.tree);
	m.data = b.data;
	m.len = b.len;
	if ((rc = zk_qnet_send(r->net, a->sid, &m)) == ZK_ETOOBIG)
		rlog(r, "sync %d: a snapshot of %zu bytes is over the link's "
		    "limit", a->sid, b.len);
	zk_buf_close(&b);
}

/* Invariant (1): nothing may still write into the history we cut. */
static void
close_log(struct zk_replica *r)
{
	struct zk_server	*s = r->s;

	zk_peer_snapshot_wait(s);
	r->drop_lw = 1;
	zk_logwriter_free(s->lw);
	s->lw = NULL;
	r->drop_lw = 0;
}

/* Invariant (2): the db again from what the directories now hold. */
static int
reload(struct zk_replica *r, int64_t zxid, struct zk_error *e)
{
	struct zk_server	*s = r->s;
	struct zk_recover_info	 info;
	struct zk_db		 db;
	int			 rc;

	zk_db_init(&db);
	/* Watch events and their window follow the new history (events.h). */
	db.applied = s->db.applied;
	db.applied_arg = s->db.applied_arg;
	rc = zk_recover(s->cfg.data_dir, s->cfg.data_log_dir, &db,
	    zk_now_mono_ms(), &info, e);
	if (rc == ZK_OK && db.last_zxid != zxid)
		rc = zk_error_set(e, ZK_ECORRUPT, "recovery gives zxid 0x%llx, "
		    "not 0x%llx", (unsigned long long)db.last_zxid,
		    (unsigned long long)zxid);
	if (rc != ZK_OK) {
		zk_db_close(&db);
		return rc;
	}
	zk_db_close(&s->db);
	s->db = db;
	return ZK_OK;
}

void
zk_replica_truncate(struct zk_replica *r, int64_t zxid)
{
	struct zk_server	*s = r->s;
	struct zk_error		 e;
	int			 ahead = s->db.last_zxid > zxid;

	close_log(r);
	if (zk_recover_truncate(s->cfg.data_dir, s->cfg.data_log_dir, zxid,
	    &e) != ZK_OK) {
		zk_replica_fatal(r, "TRUNC", &e);
		return;
	}
	if ((ahead && reload(r, zxid, &e) != ZK_OK)) {
		zk_replica_fatal(r, "TRUNC: rebuilding the tree", &e);
		return;
	}
	if (zk_peer_open_log(s, &e) != ZK_OK) {
		zk_replica_fatal(r, "TRUNC: reopening the log", &e);
		return;
	}
	s->durable = zxid;
	rlog(r, "truncated the log to 0x%llx", (unsigned long long)zxid);
}

void
zk_replica_install_snap(struct zk_replica *r, const struct zk_zab_action *a)
{
	struct zk_server	*s = r->s;
	struct zk_error		 e;

	close_log(r);
	if (zk_snap_install(s->cfg.data_dir, s->cfg.data_log_dir, a->data,
	    a->len, a->zxid, &e) != ZK_OK) {
		zk_replica_fatal(r, "SNAP", &e);
		return;
	}
	if (reload(r, a->zxid, &e) != ZK_OK) {
		zk_replica_fatal(r, "SNAP: loading the tree", &e);
		return;
	}
	if (zk_peer_open_log(s, &e) != ZK_OK) {
		zk_replica_fatal(r, "SNAP: reopening the log", &e);
		return;
	}
	s->since_snap = 0;
	s->durable = a->zxid;
	rlog(r, "installed a snapshot at 0x%llx", (unsigned long long)a->zxid);
}

