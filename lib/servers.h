/*
 * Server addresses: a connect string ("h:p,[v6]:p,...") parsed into its
 * "host:port" items, and one item resolved into a socket address. The
 * client (client.c), the one-shot tools (client_sync.c) and zk-peer's
 * list of servers read addresses the same way through here.
 *
 * Invariants:
 *  (1) An item is HOST:PORT or [V6]:PORT with a port in 1..65535; a bare
 *      IPv6 address is refused, since its last group would read as the
 *      port, and so is an empty item ("a:1,,b:2").
 *  (2) zk_servers_parse gives a list of at least one item, or nothing to
 *      free and ZK_EBADARGUMENTS.
 */
#ifndef ZK_SERVERS_H
#define ZK_SERVERS_H

#include <stddef.h>

#include "error.h"

struct sockaddr_storage;

/*
 * Parses a connect string into a new array of new "host:port" strings.
 * Free with zk_servers_free.
 */
int		 zk_servers_parse(const char *servers, char ***list, size_t *count,
		    struct zk_error *e);
void		 zk_servers_free(char **list, size_t count);

/*
 * Resolves one "host:port" ("[v6]:port" too) into *ss and *sslen; a name
 * goes through getaddrinfo (blocking), preferring an IPv4 address. Its
 * name is client.h's, where callers have always found it.
 */
int		 zk_client_resolve(const char *server, struct sockaddr_storage *ss,
		    int *sslen, struct zk_error *e);

#endif
