/*
 * Server addresses: connect strings split into HOST:PORT items, and an
 * item resolved to a socket address (servers.h).
 *
 * Invariants (servers.h's (1)-(2), and):
 *  (3) Both entry points read an item through the one split_hostport, so
 *      what zk_servers_parse accepts, zk_client_resolve can look up.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/util.h>

#include "error.h"
#include "servers.h"
#include "util.h"

/*
 * Splits "host:port" or "[v6]:port" into host (brackets removed) and port.
 * A bare IPv6 address without brackets is refused: its last group would
 * read as the port.
 */
static int
split_hostport(const char *s, char *host, size_t hostsz, char *port,
    size_t portsz)
{
	const char	*colon, *h = s, *end;
	size_t		 n;
	long		 v;
	char		*ep;

	if (*s == '[') {
		if ((end = strchr(s, ']')) == NULL || end[1] != ':')
			return -1;
		h = s + 1;
		colon = end + 1;
	} else {
		if ((colon = strrchr(s, ':')) == NULL ||
		    memchr(s, ':', (size_t)(colon - s)) != NULL)
			return -1;
		end = colon;
	}
	n = (size_t)(end - h);
	if (n == 0 || n >= hostsz)
		return -1;
	memcpy(host, h, n);
	host[n] = '\0';
	if (colon[1] == '\0' || strlen(colon + 1) >= portsz)
		return -1;
	v = strtol(colon + 1, &ep, 10);
	if (*ep != '\0' || v < 1 || v > 65535 || colon[1] == '+' ||
	    colon[1] == '-')
		return -1;
	snprintf(port, portsz, "%ld", v);
	return 0;
}

int
zk_servers_parse(const char *servers, char ***list, size_t *count,
    struct zk_error *e)
{
	const char	*p = servers, *q, *a, *b;
	char		**v = NULL, host[256], port[16], *one;
	size_t		 n = 0;

	*list = NULL;
	*count = 0;
	for (;;) {
		q = strchr(p, ',');
		if (q == NULL)
			q = p + strlen(p);
		for (a = p; a < q && (*a == ' ' || *a == '\t'); a++)
			;
		for (b = q; b > a && (b[-1] == ' ' || b[-1] == '\t'); b--)
			;
		one = zk_xmalloc((size_t)(b - a) + 1);
		memcpy(one, a, (size_t)(b - a));
		one[b - a] = '\0';
		if (split_hostport(one, host, sizeof(host), port,
		    sizeof(port)) != 0) {
			zk_error_set(e, ZK_EBADARGUMENTS,
			    "%s: not a HOST:PORT server address",
			    *one ? one : "(empty)");
			free(one);
			zk_servers_free(v, n);
			return ZK_EBADARGUMENTS;
		}
		v = zk_xrealloc(v, (n + 1) * sizeof(*v));
		v[n++] = one;
		if (*q == '\0')
			break;
		p = q + 1;
	}
	*list = v;
	*count = n;
	return ZK_OK;
}

void
zk_servers_free(char **list, size_t count)
{
	size_t	 i;

	for (i = 0; i < count; i++)
		free(list[i]);
	free(list);
}

int
zk_client_resolve(const char *server, struct sockaddr_storage *ss,
    int *sslen, struct zk_error *e)
{
	struct addrinfo	 hints, *res, *ai, *pick;
	char		 host[256], port[16];
	int		 rc;

	*sslen = (int)sizeof(*ss);
	memset(ss, 0, sizeof(*ss));
	if (evutil_parse_sockaddr_port(server, (struct sockaddr *)ss,
	    sslen) == 0)
		return ZK_OK;
	if (split_hostport(server, host, sizeof(host), port,
	    sizeof(port)) != 0)
		return zk_error_set(e, ZK_EBADARGUMENTS,
		    "%s: not a HOST:PORT server address", server);
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	if ((rc = getaddrinfo(host, port, &hints, &res)) != 0)
		return zk_error_set(e, ZK_EUNREACHABLE, "%s: %s", server,
		    gai_strerror(rc));
	/* "localhost" may list ::1 first while servers listen on 127.0.0.1. */
	pick = res;
	for (ai = res; ai != NULL; ai = ai->ai_next)
		if (ai->ai_family == AF_INET) {
			pick = ai;
			break;
		}
	memcpy(ss, pick->ai_addr, pick->ai_addrlen);
	*sslen = (int)pick->ai_addrlen;
	freeaddrinfo(res);
	return ZK_OK;
}
