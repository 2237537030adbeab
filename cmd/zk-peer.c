/*
 * zk-peer: run one ensemble member in the foreground, or, as
 * `zk-peer status`, ask servers for their mode and figures.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "client_sync.h"
#include "config.h"
#include "server.h"

#define VERSION "0.1.0"

static int	 myid;

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: zk-peer [-c zoo.cfg] [--id N] [--data-dir DIR] "
	    "[--client-port PORT] [--client-address ADDR]\n"
	    "       zk-peer status [-s HOST:PORT,...] [-o text|json] "
	    "[-T SECONDS]\n");
}

static void
log_line(const char *line)
{
	fprintf(stderr, "zk-peer %d: %s\n", myid, line);
}

static int
run(int argc, char *argv[])
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "id", required_argument, NULL, 'i' },
		{ "data-dir", required_argument, NULL, 'd' },
		{ "client-port", required_argument, NULL, 'p' },
		{ "client-address", required_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	struct zk_config	 cfg;
	struct zk_server	*s = NULL;
	struct zk_error		 e;
	const char		*file = NULL, *id = NULL, *dir = NULL;
	const char		*port = NULL, *addr = NULL;
	char			 line[600];
	int			 ch, rc;

	while ((ch = getopt_long(argc, argv, "c:hV", opts, NULL)) != -1) {
		switch (ch) {
		case 'c': file = optarg; break;
		case 'i': id = optarg; break;
		case 'd': dir = optarg; break;
		case 'p': port = optarg; break;
		case 'a': addr = optarg; break;
		case 'h': usage(stdout); return 0;
		case 'V': printf("zk-peer %s\n", VERSION); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	zk_config_defaults(&cfg);
	rc = file != NULL ? zk_config_load(&cfg, file, &e) : ZK_OK;
	/* Flags override the file: each is one config line. */
#define FLAG(v, key) if (rc == ZK_OK && (v) != NULL) { \
	snprintf(line, sizeof(line), key "=%s", (v)); \
	rc = zk_config_line(&cfg, line, &e); }
	FLAG(dir, "dataDir");
	FLAG(port, "clientPort");
	FLAG(addr, "clientPortAddress");
#undef FLAG
	if (rc == ZK_OK && id != NULL && ((cfg.myid = atoi(id)) < 1 ||
	    cfg.myid > 255))
		rc = zk_error_set(&e, ZK_EBADARGUMENTS,
		    "--id %s: want a server id 1..255", id);
	if (rc == ZK_OK)
		rc = zk_config_finish(&cfg, &e);
	if (rc != ZK_OK) {
		fprintf(stderr, "zk-peer: %s\n", e.msg);
		return 2;
	}
	myid = cfg.myid;
	if ((rc = zk_server_new(&cfg, log_line, &s, &e)) == ZK_OK)
		rc = zk_server_run(s);
	else
		fprintf(stderr, "zk-peer: %s\n", e.msg);
	zk_server_free(s);
	return rc == ZK_OK ? 0 : 1;
}

/*
 * Serving: a standalone server always; an ensemble member when it is not
 * looking and says it serves.
 */
static int
serving(json_t *o)
{
	const char	*mode = json_string_value(json_object_get(o, "mode"));
	json_t		*v = json_object_get(o, "serving");

	if (mode == NULL || strcmp(mode, "looking") == 0)
		return 0;
	return v == NULL || json_is_true(v);
}

/* One line per server: "HOST:PORT MODE key=value ..." */
static void
print_text(const char *server, json_t *o)
{
	const char	*k;
	json_t		*v;

	printf("%s %s", server, json_string_value(json_object_get(o, "mode")));
	json_object_foreach(o, k, v) {
		if (strcmp(k, "mode") == 0 || strcmp(k, "reason") == 0)
			continue;
		if (strcmp(k, "zxid") == 0 || strcmp(k, "last_logged") == 0)
			printf(" %s=0x%llx", k,
			    (unsigned long long)json_integer_value(v));
		else if (json_is_integer(v))
			printf(" %s=%lld", k, (long long)json_integer_value(v));
		else if (json_is_boolean(v))
			printf(" %s=%s", k, json_is_true(v) ? "true" : "false");
		else if (json_is_string(v))
			printf(" %s=%s", k, json_string_value(v));
	}
	printf("\n");
}

static int
status(int argc, char *argv[])
{
	static const struct option opts[] = {
		{ "servers", required_argument, NULL, 's' },
		{ "output", required_argument, NULL, 'o' },
		{ "timeout", required_argument, NULL, 'T' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct zk_error	 e;
	const char	*servers = getenv("ZK_SERVERS"), *out = "text";
	char		**list, *text, why[80];
	size_t		 n, i;
	double		 timeout = 5;
	json_t		*o;
	int		 ch, bad = 0;

	while ((ch = getopt_long(argc, argv, "s:o:T:h", opts, NULL)) != -1) {
		switch (ch) {
		case 's': servers = optarg; break;
		case 'o': out = optarg; break;
		case 'T': timeout = atof(optarg); break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc || (strcmp(out, "text") && strcmp(out, "json")) ||
	    timeout <= 0) {
		usage(stderr);
		return 2;
	}
	if (zk_servers_parse(servers ? servers : "127.0.0.1:2181", &list, &n,
	    &e) != ZK_OK) {
		fprintf(stderr, "zk-peer: %s\n", e.msg);
		return 2;
	}
	for (i = 0; i < n; i++) {
		o = NULL;
		if (zk_status_query(list[i], (int64_t)(timeout * 1000), &text,
		    &e) == ZK_OK) {
			o = json_loads(text, 0, NULL);
			free(text);
		}
		if (o == NULL) {
			bad = 1;
			o = json_pack("{ss}", "error", e.msg);
			if (strcmp(out, "text") == 0)
				fprintf(stderr, "zk-peer: %s: %s\n", list[i],
				    e.msg);
		} else if (!serving(o)) {
			bad = 1;
			snprintf(why, sizeof(why), "not serving (mode %s)",
			    json_string_value(json_object_get(o, "mode")) ?
			    json_string_value(json_object_get(o, "mode")) :
			    "unknown");
			json_object_set_new(o, "reason", json_string(why));
			if (strcmp(out, "text") == 0)
				fprintf(stderr, "zk-peer: %s: %s\n", list[i],
				    why);
		}
		json_object_set_new(o, "server", json_string(list[i]));
		if (strcmp(out, "json") == 0) {
			text = json_dumps(o, JSON_COMPACT);
			printf("%s\n", text);
			free(text);
		} else if (json_object_get(o, "mode") != NULL)
			print_text(list[i], o);	/* serving or not, it answered */
		json_decref(o);
	}
	zk_servers_free(list, n);
	return bad ? 3 : 0;
}

int
main(int argc, char *argv[])
{
	if (argc > 1 && strcmp(argv[1], "status") == 0)
		return status(argc - 1, argv + 1);
	return run(argc, argv);
}
