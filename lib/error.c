/* Error values: names for codes and the setter every lib function uses. */
#include <stdarg.h>
#include <stdio.h>

#include "error.h"

const char *
zk_error_str(int code)
{
	switch (code) {
	case ZK_OK:			return "ok";
	case ZK_ESYSTEM:		return "system error";
	case ZK_ECONNLOSS:		return "connection lost, outcome unknown";
	case ZK_EMARSHALLING:		return "malformed message";
	case ZK_EUNIMPLEMENTED:		return "unknown message type";
	case ZK_ETIMEOUT:		return "timed out";
	case ZK_EBADARGUMENTS:		return "invalid argument";
	case ZK_ENOTSERVING:		return "server is not serving";
	case ZK_EBADPATH:		return "invalid path";
	case ZK_ETOOBIG:		return "data over the limit";
	case ZK_EIO:			return "disk write failed";
	case ZK_EUSAGE:			return "usage error";
	case ZK_EUNREACHABLE:		return "could not reach a serving ensemble";
	case ZK_ECORRUPT:		return "data directory is damaged";
	case ZK_EBUSY:			return "server busy";
	case ZK_EHISTORY:		return "the server no longer holds the events since then";
	case ZK_ENONODE:		return "no such node";
	case ZK_EBADVERSION:		return "version mismatch";
	case ZK_ENOCHILDRENFOREPHEMERALS:
		return "ephemeral nodes may not have children";
	case ZK_ENODEEXISTS:		return "node exists";
	case ZK_ENOTEMPTY:		return "node has children";
	case ZK_ESESSIONEXPIRED:	return "session expired";
	case ZK_ESESSIONMOVED:		return "session moved";
	case ZK_ENOWATCHER:		return "no such watch";
	}
	return "unknown error";
}

int
zk_error_set(struct zk_error *e, int code, const char *fmt, ...)
{
	va_list	 ap;

	if (e == NULL)
		return code;
	e->code = code;
	if (fmt[0] == '\0') {
		snprintf(e->msg, sizeof(e->msg), "%s", zk_error_str(code));
		return code;
	}
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	return code;
}
