/*
 * The member-list check shared by the election and ZAB (members.h).
 */
#include "members.h"

int
zk_members_check(int myid, const int *sids, const int *observer, size_t n,
    int *voters)
{
	size_t	 i, j;
	int	 me = -1, nv = 0;

	for (i = 0; i < n; i++) {
		if (sids[i] <= 0)
			return -1;
		for (j = 0; j < i; j++)
			if (sids[j] == sids[i])
				return -1;
		if (sids[i] == myid)
			me = (int)i;
		if (!observer[i])
			nv++;
	}
	/* Without a voter nobody can ever be elected. */
	if (me < 0 || nv == 0)
		return -1;
	if (voters != NULL)
		*voters = nv;
	return me;
}
