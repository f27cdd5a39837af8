/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * FreeBSD jails as data: the jail(2) parameter lists of a pod and of its
 * apps' child jails, its devfs ruleset (a strict subset of devfs(8) rule
 * syntax, unhides only of an allowlist, numbered by content hash), the
 * runtime-spec "freebsd" object, and the decisions the backend takes from
 * what the kernel says (securelevel, error classes, what to unmount, rctl
 * rules).  No FreeBSD header is used: the backend in
 * common/platform/freebsd/ turns these into iovecs, ioctls and system
 * calls, and everything here is tested on Linux.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fnmatch.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include <jansson.h>

#include "common/digest.h"
#include "common/error.h"
#include "common/jailspec.h"
#include "common/passwd.h"
#include "common/xalloc.h"

#define	NAME_MAX_LEN	255	/* MAXHOSTNAMELEN - 1 */
#define	PATH_MAX_LEN	1023	/* MAXPATHLEN - 1 */
#define	RULE_TEXT_MAX	512

/* Most names in a host's devfs_unhide list. */
#define	UNHIDE_MAX	64

/*
 * The base of every pod's /dev, after FreeBSD's devfsrules_hide_all,
 * devfsrules_unhide_basic and devfsrules_unhide_login: a terminal, the
 * null/zero/random family and the fd links, and the directory the Linux
 * ABI module makes in every devfs for /dev/shm (linux_dev_shm_create()).
 * crypto is left to the host (devfs_unhide), "log" (a symlink to
 * /var/run/log that syslog(3) does not need) and the legacy ptyp* names
 * are left out.
 */
static const char *const base_rules[] = {
	"hide",
	"path null unhide",
	"path zero unhide",
	"path random unhide",
	"path urandom unhide",
	"path ptmx unhide",
	"path pts unhide",
	"path pts/* unhide",
	"path fd unhide",
	"path fd/* unhide",
	"path stdin unhide",
	"path stdout unhide",
	"path stderr unhide",
	"path tty unhide",
	"path shm unhide"
};

/* What an image's rule may unhide without the host's say: the base. */
static const char *const safe_names[] = {
	"null", "zero", "random", "urandom", "ptmx", "pts", "pts/*", "fd",
	"fd/*", "stdin", "stdout", "stderr", "tty", "shm"
};

/* Parameters */

static struct jailspec_param *
param_add(struct jailspec_params *pp, const char *name,
    enum jailspec_type type)
{
	struct jailspec_param *p;

	pp->v = xreallocarray(pp->v, pp->n + 1, sizeof(*pp->v));
	p = &pp->v[pp->n++];
	(void)memset(p, 0, sizeof(*p));
	p->name = xstrdup(name);
	p->type = type;
	return (p);
}

static void
param_str(struct jailspec_params *pp, const char *name, const char *v)
{
	param_add(pp, name, JAILSPEC_STR)->str = xstrdup(v);
}

static void
param_int(struct jailspec_params *pp, const char *name, int v)
{
	param_add(pp, name, JAILSPEC_INT)->ival = v;
}

/*
 * A boolean is set by its name and cleared by its "no" form, "no" going
 * in front of the last component ("allow.mount" -> "allow.nomount"), as
 * libjail does it.
 */
static void
param_bool(struct jailspec_params *pp, const char *name, bool on)
{
	struct jailspec_param *p;
	const char *dot;
	char *no;

	if (on) {
		param_add(pp, name, JAILSPEC_BOOL)->ival = 1;
		return;
	}
	if ((dot = strrchr(name, '.')) != NULL)
		no = xasprintf("%.*s.no%s", (int)(dot - name), name, dot + 1);
	else
		no = xasprintf("no%s", name);
	p = param_add(pp, no, JAILSPEC_BOOL);
	p->ival = 0;
	free(no);
}

static int
param_addrs(struct jailspec_params *pp, const char *name, int af,
    const char *const *addrs, size_t n, struct error *ep)
{
	struct jailspec_param *p;
	size_t i, sz = af == AF_INET ? 4 : 16;

	p = param_add(pp, name, af == AF_INET ? JAILSPEC_IP4 : JAILSPEC_IP6);
	p->addr = xcalloc(n, sz);
	p->naddr = n;
	for (i = 0; i < n; i++)
		if (addrs[i] == NULL ||
		    inet_pton(af, addrs[i], p->addr + i * sz) != 1)
			return (error_set(ep, EX_DATAERR, 0,
			    "'%s': not an %s address",
			    addrs[i] == NULL ? "" : addrs[i],
			    af == AF_INET ? "IPv4" : "IPv6"));
	return (0);
}

/* A jail name: not hierarchical (no '.'), and not a jid. */
static bool
valid_name(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > NAME_MAX_LEN || strspn(s, "0123456789") == n)
		return (false);
	return (strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789_-") == n);
}

/* RFC 1123: dot-separated labels of 1-63 letters, digits and inner '-'. */
static bool
valid_hostname(const char *s)
{
	size_t n, len = strlen(s);

	if (len == 0 || len > NAME_MAX_LEN)
		return (false);
	for (;;) {
		n = strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
		    "abcdefghijklmnopqrstuvwxyz0123456789-");
		if (n == 0 || n > 63 || s[0] == '-' || s[n - 1] == '-')
			return (false);
		s += n;
		if (*s == '\0')
			return (true);
		if (*s != '.')
			return (false);
		s++;
	}
}

/*
 * The allow.* flags: the asked-for ones on, the others and the ones we
 * never give off.  A child jail gets the same: kern_jail_set() refuses
 * (EPERM) a child with a flag its parent lacks.
 */
static void
params_allow(struct jailspec_params *pp, unsigned allow)
{
	param_bool(pp, "allow.set_hostname",
	    (allow & JAILSPEC_ALLOW_SET_HOSTNAME) != 0);
	param_bool(pp, "allow.raw_sockets",
	    (allow & JAILSPEC_ALLOW_RAW_SOCKETS) != 0);
	param_bool(pp, "allow.chflags", (allow & JAILSPEC_ALLOW_CHFLAGS) != 0);
	param_bool(pp, "allow.mlock", (allow & JAILSPEC_ALLOW_MLOCK) != 0);
	param_bool(pp, "allow.socket_af",
	    (allow & JAILSPEC_ALLOW_SOCKET_AF) != 0);
	param_bool(pp, "allow.mount", false);
	param_bool(pp, "allow.quotas", false);
	param_bool(pp, "allow.read_msgbuf", false);
}

int
jailspec_params(const struct jailspec_opts *o, unsigned devfs_ruleset,
    struct jailspec_params *pp, struct error *ep)
{
	const char *host;
	int sysv;

	pp->v = NULL;
	pp->n = 0;
	if (o->name == NULL || !valid_name(o->name))
		return (error_set(ep, EX_DATAERR, 0,
		    "jail name '%s': not 1 to %d letters, digits, '_' or '-'",
		    o->name == NULL ? "" : o->name, NAME_MAX_LEN));
	if (o->path == NULL || o->path[0] != '/' ||
	    strlen(o->path) > PATH_MAX_LEN)
		return (error_set(ep, EX_DATAERR, 0,
		    "jail path '%s': not an absolute path of at most %d bytes",
		    o->path == NULL ? "" : o->path, PATH_MAX_LEN));
	host = o->hostname != NULL ? o->hostname : o->name;
	if (!valid_hostname(host))
		return (error_set(ep, EX_DATAERR, 0,
		    "hostname '%s': not a valid host name", host));
	if (o->securelevel < -1 || o->securelevel > 3)
		return (error_set(ep, EX_DATAERR, 0,
		    "securelevel %d: out of range (-1 to 3)", o->securelevel));
	if (o->children_max < 0 || o->children_max > JAILSPEC_APPS_MAX)
		return (error_set(ep, EX_DATAERR, 0,
		    "children.max %d: out of range (0 to %d)", o->children_max,
		    JAILSPEC_APPS_MAX));
	if (o->vnet && (o->nip4 > 0 || o->nip6 > 0))
		return (error_set(ep, EX_DATAERR, 0,
		    "a vnet jail cannot have ip4 or ip6 addresses"));
	if (devfs_ruleset > 65535)
		return (error_set(ep, EX_DATAERR, 0,
		    "devfs ruleset %u: out of range", devfs_ruleset));

	param_str(pp, "name", o->name);
	param_str(pp, "path", o->path);
	param_str(pp, "host.hostname", host);
	param_bool(pp, "persist", true);
	param_int(pp, "enforce_statfs", 2);
	param_int(pp, "children.max", o->children_max);
	param_int(pp, "securelevel", o->securelevel);
	if (devfs_ruleset != 0)
		param_int(pp, "devfs_ruleset", (int)devfs_ruleset);
	params_allow(pp, o->allow);
	sysv = (o->allow & JAILSPEC_ALLOW_SYSVIPC) != 0 ? JAILSPEC_SYS_NEW :
	    JAILSPEC_SYS_DISABLE;
	param_int(pp, "sysvmsg", sysv);
	param_int(pp, "sysvsem", sysv);
	param_int(pp, "sysvshm", sysv);
	if (o->vnet)
		param_int(pp, "vnet", JAILSPEC_SYS_NEW);
	else {
		param_int(pp, "ip4", o->nip4 > 0 ? JAILSPEC_SYS_NEW :
		    JAILSPEC_SYS_DISABLE);
		if (o->nip4 > 0 && param_addrs(pp, "ip4.addr", AF_INET,
		    o->ip4, o->nip4, ep) == -1)
			goto fail;
		param_int(pp, "ip6", o->nip6 > 0 ? JAILSPEC_SYS_NEW :
		    JAILSPEC_SYS_DISABLE);
		if (o->nip6 > 0 && param_addrs(pp, "ip6.addr", AF_INET6,
		    o->ip6, o->nip6, ep) == -1)
			goto fail;
	}
	return (0);
fail:
	jailspec_params_release(pp);
	return (-1);
}

void
jailspec_params_release(struct jailspec_params *pp)
{
	size_t i;

	for (i = 0; i < pp->n; i++) {
		free(pp->v[i].name);
		free(pp->v[i].str);
		free(pp->v[i].addr);
	}
	free(pp->v);
	pp->v = NULL;
	pp->n = 0;
}

const struct jailspec_param *
jailspec_param_find(const struct jailspec_params *pp, const char *name)
{
	size_t i;

	for (i = 0; i < pp->n; i++)
		if (strcmp(pp->v[i].name, name) == 0)
			return (&pp->v[i]);
	return (NULL);
}

int
jailspec_securelevel(int host)
{
	return (host > 2 ? host : 2);
}

int
jailspec_jail_set_exit(int err, const char *errmsg)
{
	static const char unknown[] = "unknown parameter: ";

	switch (err) {
	case EINVAL:
		if (errmsg != NULL &&
		    strncmp(errmsg, unknown, sizeof(unknown) - 1) == 0)
			return (EX_UNAVAILABLE);
		return (EX_OSERR);
	case EPERM:
		return (EX_NOPERM);
	case EEXIST:
		return (EX_CANTCREAT);
	default:
		return (EX_OSERR);
	}
}

int
jailspec_nmount_exit(int err, const char *errmsg, bool file)
{
	if (err == ENODEV || (err == EINVAL && errmsg != NULL &&
	    strcmp(errmsg, "Invalid fstype") == 0))
		return (EX_UNAVAILABLE);
	if (err == ENOTDIR && file)
		return (EX_UNAVAILABLE);
	if (err == ENOENT)
		return (EX_NOINPUT);
	if (err == EPERM)
		return (EX_NOPERM);
	return (EX_OSERR);
}

int
jailspec_app_jail_name(const char *pod, const char *app, char *buf,
    size_t size)
{
	size_t n = strlen(app);
	bool digits;
	int w;

	if (n == 0 || strspn(app, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789_-") != n)
		return (-1);
	digits = strspn(app, "0123456789") == n;
	w = snprintf(buf, size, "%s.%s%s", pod, digits ? "_" : "", app);
	if (w < 0 || (size_t)w >= size || w > NAME_MAX_LEN)
		return (-1);
	return (0);
}

int
jailspec_app_params(const struct jailspec_opts *o, const char *app,
    const char *root, unsigned devfs_ruleset, struct jailspec_params *pp,
    struct error *ep)
{
	char name[NAME_MAX_LEN + 1];

	pp->v = NULL;
	pp->n = 0;
	if (o->name == NULL || !valid_name(o->name))
		return (error_set(ep, EX_DATAERR, 0,
		    "jail name '%s': not 1 to %d letters, digits, '_' or '-'",
		    o->name == NULL ? "" : o->name, NAME_MAX_LEN));
	if (app == NULL || jailspec_app_jail_name(o->name, app, name,
	    sizeof(name)) == -1)
		return (error_set(ep, EX_DATAERR, 0,
		    "app '%s': no jail name can be made of it",
		    app == NULL ? "" : app));
	if (root == NULL || root[0] != '/' || strlen(root) > PATH_MAX_LEN)
		return (error_set(ep, EX_DATAERR, 0,
		    "app '%s': root '%s' is not an absolute path of at most "
		    "%d bytes", app, root == NULL ? "" : root, PATH_MAX_LEN));
	if (o->securelevel < -1 || o->securelevel > 3)
		return (error_set(ep, EX_DATAERR, 0,
		    "securelevel %d: out of range (-1 to 3)", o->securelevel));
	if (devfs_ruleset > 65535)
		return (error_set(ep, EX_DATAERR, 0,
		    "devfs ruleset %u: out of range", devfs_ruleset));

	param_str(pp, "name", name);
	param_str(pp, "path", root);
	param_bool(pp, "persist", true);
	param_int(pp, "host", JAILSPEC_SYS_INHERIT);
	param_int(pp, "enforce_statfs", 2);
	param_int(pp, "children.max", 0);
	param_int(pp, "securelevel", o->securelevel);
	if (devfs_ruleset != 0)
		param_int(pp, "devfs_ruleset", (int)devfs_ruleset);
	params_allow(pp, o->allow);
	param_int(pp, "sysvmsg", JAILSPEC_SYS_INHERIT);
	param_int(pp, "sysvsem", JAILSPEC_SYS_INHERIT);
	param_int(pp, "sysvshm", JAILSPEC_SYS_INHERIT);
	param_int(pp, "ip4", JAILSPEC_SYS_INHERIT);
	param_int(pp, "ip6", JAILSPEC_SYS_INHERIT);
	return (0);
}

/* devfs rules */

static int
rule_err(struct error *ep, const char *text, const char *why)
{
	return (error_set(ep, EX_DATAERR, 0, "devfs rule '%s': %s", text,
	    why));
}

/*
 * A pattern relative to /dev: components of the allowed characters, none
 * empty, "." or "..", brackets opened and closed inside one component and
 * never empty.
 */
static const char *
pattern_problem(const char *p)
{
	const char *c, *end;
	size_t n = strlen(p), clen;

	if (n == 0)
		return ("empty pattern");
	if (n >= JAILSPEC_DEVFS_PATTERN_MAX)
		return ("pattern longer than 199 bytes");
	if (strspn(p, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789_./*?[]-") != n)
		return ("pattern has a character outside [A-Za-z0-9_./*?[]-]");
	for (c = p; ; c = end + 1) {
		end = strchr(c, '/');
		clen = end != NULL ? (size_t)(end - c) : strlen(c);
		if (clen == 0)
			return ("pattern has an empty component");
		if ((clen == 1 && c[0] == '.') ||
		    (clen == 2 && c[0] == '.' && c[1] == '.'))
			return ("pattern has a '.' or '..' component");
		if (end == NULL)
			break;
	}
	for (c = p; *c != '\0'; c++) {
		if (*c == ']')
			return ("pattern has an unopened ']'");
		if (*c != '[')
			continue;
		end = c + 1;
		/* A ']' right after '[' is a member, as in fnmatch(3). */
		if (*end == ']')
			end++;
		while (*end != '\0' && *end != ']' && *end != '/' &&
		    *end != '[')
			end++;
		if (*end != ']')
			return ("pattern has an unclosed '['");
		if (end == c + 1)
			return ("pattern has an empty '[]'");
		c = end;
	}
	return (NULL);
}

int
jailspec_devfs_parse(const char *text, struct jailspec_devfs_rule *r,
    struct error *ep)
{
	char buf[RULE_TEXT_MAX], *tok[16], *p, *end;
	const char *why;
	unsigned long v;
	size_t ntok = 0, i, len = strlen(text);
	unsigned act;

	(void)memset(r, 0, sizeof(*r));
	if (len >= sizeof(buf))
		return (error_set(ep, EX_DATAERR, 0,
		    "devfs rule '%.64s...': longer than %zu bytes", text,
		    sizeof(buf) - 1));
	for (i = 0; i < len; i++)
		if (text[i] < ' ' ? text[i] != '\t' : text[i] > '~')
			return (rule_err(ep, text,
			    "not printable ASCII text"));
	(void)memcpy(buf, text, len + 1);
	for (p = buf; ; ) {
		p += strspn(p, " \t");
		if (*p == '\0')
			break;
		if (ntok == sizeof(tok) / sizeof(tok[0]))
			return (rule_err(ep, text, "too many words"));
		tok[ntok++] = p;
		p += strcspn(p, " \t");
		if (*p != '\0')
			*p++ = '\0';
	}
	i = 0;
	if (i < ntok && strcmp(tok[i], "add") == 0)
		i++;
	if (i < ntok && strcmp(tok[i], "include") == 0)
		return (rule_err(ep, text, "'include' is not allowed"));
	if (i >= ntok || strcmp(tok[i], "path") != 0)
		return (rule_err(ep, text, "expected 'path PATTERN'"));
	if (++i >= ntok)
		return (rule_err(ep, text, "'path' needs a pattern"));
	if ((why = pattern_problem(tok[i])) != NULL)
		return (rule_err(ep, text, why));
	(void)snprintf(r->pattern, sizeof(r->pattern), "%s", tok[i]);
	if (++i >= ntok)
		return (rule_err(ep, text, "no action"));
	for (; i < ntok; i++) {
		if (strcmp(tok[i], "hide") == 0)
			act = JAILSPEC_DEVFS_HIDE;
		else if (strcmp(tok[i], "unhide") == 0)
			act = JAILSPEC_DEVFS_UNHIDE;
		else if (strcmp(tok[i], "mode") == 0)
			act = JAILSPEC_DEVFS_MODE;
		else if (strcmp(tok[i], "user") == 0)
			act = JAILSPEC_DEVFS_USER;
		else if (strcmp(tok[i], "group") == 0)
			act = JAILSPEC_DEVFS_GROUP;
		else if (strcmp(tok[i], "include") == 0)
			return (rule_err(ep, text,
			    "'include' is not allowed"));
		else
			return (rule_err(ep, text, "unknown action"));
		if ((r->acts & act) != 0)
			return (rule_err(ep, text, "repeated action"));
		r->acts |= act;
		if ((r->acts & JAILSPEC_DEVFS_HIDE) != 0 &&
		    (r->acts & JAILSPEC_DEVFS_UNHIDE) != 0)
			return (rule_err(ep, text,
			    "'hide' and 'unhide' together"));
		if (act == JAILSPEC_DEVFS_HIDE || act == JAILSPEC_DEVFS_UNHIDE)
			continue;
		if (++i >= ntok)
			return (rule_err(ep, text, "action needs a value"));
		if (act == JAILSPEC_DEVFS_MODE) {
			if (strlen(tok[i]) > 4 ||
			    strspn(tok[i], "01234567") != strlen(tok[i]) ||
			    (v = strtoul(tok[i], &end, 8)) > 0777)
				return (rule_err(ep, text,
				    "mode is not an octal number up to 0777"));
			r->mode = (unsigned)v;
		} else {
			if (!passwd_parse_id(tok[i], &v))
				return (rule_err(ep, text, act ==
				    JAILSPEC_DEVFS_USER ?
				    "user is not a number up to 2147483646" :
				    "group is not a number up to 2147483646"));
			if (act == JAILSPEC_DEVFS_USER)
				r->uid = v;
			else
				r->gid = v;
		}
	}
	return (0);
}

int
jailspec_devfs_format(const struct jailspec_devfs_rule *r, char *buf,
    size_t size)
{
	size_t n = 0;
	int w;

#define	PUT(...) do {							\
	w = snprintf(buf + n, size - n, __VA_ARGS__);			\
	if (w < 0 || (size_t)w >= size - n)				\
		return (-1);						\
	n += (size_t)w;							\
} while (0)

	if (size == 0)
		return (-1);
	buf[0] = '\0';
	if (r->pattern[0] != '\0')
		PUT("path %s", r->pattern);
	if ((r->acts & JAILSPEC_DEVFS_HIDE) != 0)
		PUT("%shide", n > 0 ? " " : "");
	if ((r->acts & JAILSPEC_DEVFS_UNHIDE) != 0)
		PUT("%sunhide", n > 0 ? " " : "");
	if ((r->acts & JAILSPEC_DEVFS_MODE) != 0)
		PUT("%smode %04o", n > 0 ? " " : "", r->mode);
	if ((r->acts & JAILSPEC_DEVFS_USER) != 0)
		PUT("%suser %lu", n > 0 ? " " : "", r->uid);
	if ((r->acts & JAILSPEC_DEVFS_GROUP) != 0)
		PUT("%sgroup %lu", n > 0 ? " " : "", r->gid);
#undef PUT
	return ((int)n);
}

static bool
has_glob(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] == '*' || s[i] == '?' || s[i] == '[')
			return (true);
	return (false);
}

/*
 * Whether every name pattern p can match is one that safe entry e
 * matches (the three cases of the rule in jailspec.h).  Conservative: a
 * "no" may be wrong, a "yes" never is.
 */
static bool
pattern_covered(const char *p, const char *e)
{
	size_t el = strlen(e), dl;

	if (strcmp(p, e) == 0)
		return (true);
	if (!has_glob(p, strlen(p)))
		return (fnmatch(e, p, FNM_PATHNAME) == 0);
	if (el == 0 || e[el - 1] != '*')
		return (false);
	dl = el - 1;
	if (has_glob(e, dl))
		return (false);
	return (strncmp(p, e, dl) == 0 && strchr(p + dl, '/') == NULL);
}

bool
jailspec_devfs_allowed(const struct jailspec_devfs_rule *r,
    const char *const *extra, size_t nextra)
{
	size_t i;

	if ((r->acts & JAILSPEC_DEVFS_UNHIDE) == 0)
		return (true);
	/* No pattern: every node. */
	if (r->pattern[0] == '\0')
		return (false);
	for (i = 0; i < sizeof(safe_names) / sizeof(safe_names[0]); i++)
		if (pattern_covered(r->pattern, safe_names[i]))
			return (true);
	for (i = 0; i < nextra; i++)
		if (extra[i] != NULL && pattern_covered(r->pattern, extra[i]))
			return (true);
	return (false);
}

void
jailspec_strv_free(char **v, size_t n)
{
	size_t i;

	for (i = 0; v != NULL && i < n; i++)
		free(v[i]);
	free(v);
}

int
jailspec_devfs_unhide_parse(const char *list, char ***namesp, size_t *np,
    struct error *ep)
{
	const char *p, *end, *why;
	char **v = NULL, *name;
	size_t n = 0, len;

	*namesp = NULL;
	*np = 0;
	if (list == NULL || list[strspn(list, " \t")] == '\0')
		return (0);
	for (p = list; ; p = end + 1) {
		p += strspn(p, " \t");
		end = p + strcspn(p, ",");
		len = (size_t)(end - p);
		while (len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\t'))
			len--;
		name = xasprintf("%.*s", (int)len, p);
		if ((why = len == 0 ? "an empty name" :
		    pattern_problem(name)) != NULL || n == UNHIDE_MAX) {
			error_set(ep, EX_CONFIG, 0, "devfs_unhide: '%s': %s",
			    name, why != NULL ? why : "too many names");
			free(name);
			jailspec_strv_free(v, n);
			return (-1);
		}
		v = xreallocarray(v, n + 2, sizeof(*v));
		v[n++] = name;
		v[n] = NULL;
		if (*end == '\0')
			break;
	}
	*namesp = v;
	*np = n;
	return (0);
}

/* Parse a base rule, which has no "path" when it applies to all. */
static void
base_rule(const char *text, struct jailspec_devfs_rule *r)
{
	struct error e = ERROR_INIT;

	if (strcmp(text, "hide") == 0) {
		(void)memset(r, 0, sizeof(*r));
		r->acts = JAILSPEC_DEVFS_HIDE;
		return;
	}
	if (jailspec_devfs_parse(text, r, &e) == -1)
		abort();	/* base_rules[] is ours */
}

int
jailspec_devfs_build(const char *const *rules, size_t n,
    const char *const *extra, size_t nextra, struct jailspec_devfs *ds,
    struct error *ep)
{
	const size_t nbase = sizeof(base_rules) / sizeof(base_rules[0]);
	struct jailspec_devfs_rule *r;
	char line[RULE_TEXT_MAX], hex[9];
	size_t i, len = 0, cap = 0;
	unsigned long h;
	int w;

	(void)memset(ds, 0, sizeof(*ds));
	if (n > JAILSPEC_DEVFS_RULES_MAX)
		return (error_set(ep, EX_DATAERR, 0,
		    "more than %d devfs rules", JAILSPEC_DEVFS_RULES_MAX));
	ds->rules = xcalloc(nbase + n, sizeof(*ds->rules));
	ds->nbase = nbase;
	for (i = 0; i < nbase; i++)
		base_rule(base_rules[i], &ds->rules[i]);
	for (i = 0; i < n; i++) {
		r = &ds->rules[nbase + i];
		if (rules[i] == NULL ||
		    jailspec_devfs_parse(rules[i], r, ep) == -1) {
			if (rules[i] == NULL)
				error_set(ep, EX_DATAERR, 0,
				    "devfs rule %zu: missing", i);
			goto fail;
		}
		if (!jailspec_devfs_allowed(r, extra, nextra)) {
			error_set(ep, EX_DATAERR, 0, "devfs rule '%s': "
			    "unhides names outside the safe set; a host adds "
			    "names with devfs_unhide in berth.conf", rules[i]);
			goto fail;
		}
	}
	ds->nrules = nbase + n;
	for (i = 0; i < ds->nrules; i++) {
		if ((w = jailspec_devfs_format(&ds->rules[i], line,
		    sizeof(line))) == -1)
			abort();	/* a parsed rule always fits */
		if (len + (size_t)w + 2 > cap) {
			cap = (len + (size_t)w + 2) * 2;
			ds->text = xrealloc(ds->text, cap);
		}
		(void)memcpy(ds->text + len, line, (size_t)w);
		len += (size_t)w;
		ds->text[len++] = '\n';
		ds->text[len] = '\0';
	}
	digest_buf(DIGEST_SHA256, ds->text, len, ds->digest);
	/* The first 32 bits of the digest. */
	(void)memcpy(hex, digest_hex(ds->digest), 8);
	hex[8] = '\0';
	h = strtoul(hex, NULL, 16);
	ds->ruleset = JAILSPEC_DEVFS_RULESET_MIN + (unsigned)(h %
	    (JAILSPEC_DEVFS_RULESET_MAX - JAILSPEC_DEVFS_RULESET_MIN + 1));
	return (0);
fail:
	jailspec_devfs_release(ds);
	return (-1);
}

void
jailspec_devfs_release(struct jailspec_devfs *ds)
{
	free(ds->rules);
	free(ds->text);
	(void)memset(ds, 0, sizeof(*ds));
}

unsigned
jailspec_devfs_ruleset_at(const struct jailspec_devfs *ds, unsigned attempt)
{
	const unsigned range = JAILSPEC_DEVFS_RULESET_MAX -
	    JAILSPEC_DEVFS_RULESET_MIN + 1;

	return (JAILSPEC_DEVFS_RULESET_MIN +
	    (ds->ruleset - JAILSPEC_DEVFS_RULESET_MIN + attempt % range) %
	    range);
}

/* The runtime-spec document */

static json_t *
str_array(const char *const *v, size_t n)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < n; i++)
		(void)json_array_append_new(a, json_string(v[i]));
	return (a);
}

json_t *
jailspec_oci_config(const struct jailspec_opts *o, const char *const *rules,
    size_t nrules, const char *const *extra, size_t nextra, struct error *ep)
{
	struct jailspec_params params;
	struct jailspec_devfs ds;
	const struct jailspec_devfs_rule *r;
	json_t *doc = NULL, *fb, *jail, *allow, *devs, *dev, *ann;
	const char *sysv;
	char line[RULE_TEXT_MAX], key[64], num[16];
	size_t i;

	/* The same validation as for the real jail. */
	if (jailspec_params(o, 0, &params, ep) == -1)
		return (NULL);
	jailspec_params_release(&params);
	if (jailspec_devfs_build(rules, nrules, extra, nextra, &ds, ep) == -1)
		return (NULL);

	sysv = (o->allow & JAILSPEC_ALLOW_SYSVIPC) != 0 ? "new" : "disable";
	allow = json_pack("{s:b, s:b, s:b, s:[], s:b, s:b, s:b, s:b, s:b}",
	    "setHostname", (o->allow & JAILSPEC_ALLOW_SET_HOSTNAME) != 0,
	    "rawSockets", (o->allow & JAILSPEC_ALLOW_RAW_SOCKETS) != 0,
	    "chflags", (o->allow & JAILSPEC_ALLOW_CHFLAGS) != 0,
	    "mount",
	    "quotas", 0,
	    "socketAf", (o->allow & JAILSPEC_ALLOW_SOCKET_AF) != 0,
	    "mlock", (o->allow & JAILSPEC_ALLOW_MLOCK) != 0,
	    "reservedPorts", 1,
	    "suser", 1);
	jail = json_pack("{s:s, s:s, s:s, s:s, s:i, s:o}",
	    "host", "new",
	    "sysvmsg", sysv, "sysvsem", sysv, "sysvshm", sysv,
	    "enforceStatfs", 2,
	    "allow", allow);
	if (o->vnet)
		(void)json_object_set_new(jail, "vnet", json_string("new"));
	else {
		(void)json_object_set_new(jail, "ip4",
		    json_string(o->nip4 > 0 ? "new" : "disable"));
		if (o->nip4 > 0)
			(void)json_object_set_new(jail, "ip4Addr",
			    str_array(o->ip4, o->nip4));
		(void)json_object_set_new(jail, "ip6",
		    json_string(o->nip6 > 0 ? "new" : "disable"));
		if (o->nip6 > 0)
			(void)json_object_set_new(jail, "ip6Addr",
			    str_array(o->ip6, o->nip6));
	}
	ann = json_object();
	devs = json_array();
	for (i = ds.nbase; i < ds.nrules; i++) {
		r = &ds.rules[i];
		if (jailspec_devfs_format(r, line, sizeof(line)) > 0) {
			(void)snprintf(key, sizeof(key), "io.berth.devfs.%zu",
			    i - ds.nbase);
			(void)json_object_set_new(ann, key, json_string(line));
		}
		/* A device path, not a pattern: one name, unhidden. */
		if ((r->acts & JAILSPEC_DEVFS_UNHIDE) == 0 ||
		    has_glob(r->pattern, strlen(r->pattern)))
			continue;
		dev = json_pack("{s:s}", "path", r->pattern);
		if ((r->acts & JAILSPEC_DEVFS_MODE) != 0)
			(void)json_object_set_new(dev, "mode",
			    json_integer(r->mode));
		(void)json_array_append_new(devs, dev);
	}
	(void)json_object_set_new(ann, "io.berth.jail.apps", json_string(
	    "each app runs in a child jail <jail>.<app> whose path is its "
	    "root: host, vnet, ip4, ip6 and System V IPC inherited from the "
	    "pod's jail, children.max 0, the same securelevel, enforceStatfs "
	    "and allow flags; no app runs in the pod's jail"));
	if (o->vnet)
		(void)json_object_set_new(ann, "io.berth.jail.vnet",
		    json_string("the pod's jail is a vnet jail: the kernel "
		    "lets root in it use raw sockets, bpf, pf, ipfw, routes "
		    "and interface configuration whatever allow says; the "
		    "apps' child jails share its network stack without owning "
		    "it, so allow holds for them"));
	(void)snprintf(num, sizeof(num), "%d", o->securelevel);
	(void)json_object_set_new(ann, "io.berth.jail.securelevel",
	    json_string(num));
	(void)snprintf(num, sizeof(num), "%d", o->children_max);
	(void)json_object_set_new(ann, "io.berth.jail.childrenMax",
	    json_string(num));
	fb = json_pack("{s:o}", "jail", jail);
	if (json_array_size(devs) > 0)
		(void)json_object_set_new(fb, "devices", devs);
	else
		json_decref(devs);
	doc = json_pack("{s:s, s:{s:s}, s:s, s:o, s:o}",
	    "ociVersion", "1.3.0",
	    "root", "path", o->path,
	    "hostname", o->hostname != NULL ? o->hostname : o->name,
	    "freebsd", fb,
	    "annotations", ann);
	jailspec_devfs_release(&ds);
	if (doc == NULL)
		(void)error_set(ep, EX_SOFTWARE, 0,
		    "cannot build the runtime-spec document");
	return (doc);
}

/* Unmounts and limits */

/* Whether path lies strictly below directory dir (no trailing '/'). */
static bool
path_below(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	while (n > 1 && dir[n - 1] == '/')
		n--;
	if (n == 1 && dir[0] == '/')
		return (path[0] == '/' && path[1] != '\0');
	return (strncmp(path, dir, n) == 0 && path[n] == '/' &&
	    path[n + 1] != '\0');
}

struct unmount_key {
	size_t	idx;
	size_t	len;
};

static int
unmount_cmp(const void *a, const void *b)
{
	const struct unmount_key *x = a, *y = b;

	if (x->len != y->len)
		return (x->len > y->len ? -1 : 1);
	return (x->idx > y->idx ? -1 : x->idx < y->idx ? 1 : 0);
}

size_t
jailspec_unmount_order(const char *const *mnt, size_t n,
    const char *const *root, size_t nroot, size_t *out)
{
	struct unmount_key *k;
	size_t i, j, m = 0;

	if (n == 0)
		return (0);
	k = xcalloc(n, sizeof(*k));
	for (i = 0; i < n; i++) {
		if (mnt[i] == NULL)
			continue;
		for (j = 0; j < nroot; j++)
			if (root[j] != NULL && root[j][0] == '/' &&
			    path_below(mnt[i], root[j]))
				break;
		if (j == nroot)
			continue;
		k[m].idx = i;
		k[m].len = strlen(mnt[i]);
		m++;
	}
	qsort(k, m, sizeof(*k), unmount_cmp);
	for (i = 0; i < m; i++)
		out[i] = k[i].idx;
	free(k);
	return (m);
}

void
jailspec_rctl_rules(const char *jail, int64_t memory, int64_t cpu_millis,
    int64_t pids, char ***rulesp, size_t *np)
{
	char **v = xcalloc(5, sizeof(*v));
	size_t n = 0;

	if (memory > 0) {
		v[n++] = xasprintf("jail:%s:memoryuse:deny=%lld", jail,
		    (long long)memory);
		v[n++] = xasprintf("jail:%s:swapuse:deny=%lld", jail,
		    (long long)memory);
	}
	/* pcpu is a percentage of one CPU. */
	if (cpu_millis > 0)
		v[n++] = xasprintf("jail:%s:pcpu:deny=%lld", jail,
		    (long long)((cpu_millis + 9) / 10));
	if (pids > 0)
		v[n++] = xasprintf("jail:%s:maxproc:deny=%lld", jail,
		    (long long)pids);
	*rulesp = v;
	*np = n;
}
