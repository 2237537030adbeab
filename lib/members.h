/*
 * An ensemble's member list as both state machines take it (elect.h,
 * zab.h): server ids, which of them vote, and which one is this peer.
 * One check, so the election and ZAB can never disagree on what a valid
 * ensemble is.
 */
#ifndef ZK_MEMBERS_H
#define ZK_MEMBERS_H

#include <stddef.h>

/*
 * The index of myid in sids[0..n), once every sid is checked to be > 0
 * and distinct, and at least one member to vote (observer[i] == 0);
 * -1 if any of that fails. *voters (when not NULL) gets how many vote.
 */
int		 zk_members_check(int myid, const int *sids, const int *observer,
		    size_t n, int *voters);

#endif
