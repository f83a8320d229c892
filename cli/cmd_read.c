/* The read commands: list, check, tree. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <initstack/sha256.h>

#include "cmd.h"
#include "loader_decoders.h"
#include "stack.h"
#include "util.h"

struct opts {
	struct stack_item *items;
	unsigned nitems;
	struct ist_tree_config cfg;
	bool json;
	bool protect_given;
};

enum {
	OPT_EARLY = 256, OPT_KERNEL, OPT_EXTRA, OPT_DEFERRED, OPT_PROTECT, OPT_ON_CLASH, OPT_ON,
	OPT_ROOTFS, OPT_NO_BUILTIN, OPT_JSON,
};

static const struct option long_opts[] = {
	{ "early", required_argument, 0, OPT_EARLY },
	{ "kernel", required_argument, 0, OPT_KERNEL },
	{ "extra", required_argument, 0, OPT_EXTRA },
	{ "deferred", required_argument, 0, OPT_DEFERRED },
	{ "protect", required_argument, 0, OPT_PROTECT },
	{ "on-clash", required_argument, 0, OPT_ON_CLASH },
	{ "on", required_argument, 0, OPT_ON },
	{ "rootfs", required_argument, 0, OPT_ROOTFS },
	{ "no-builtin", no_argument, 0, OPT_NO_BUILTIN },
	{ "json", no_argument, 0, OPT_JSON },
	{ "help", no_argument, 0, 'h' },
	{ 0, 0, 0, 0 },
};

static void add_item(struct opts *o, const char *path, enum ist_role role)
{
	o->items = realloc(o->items, (o->nitems + 1) * sizeof *o->items);
	if (!o->items) {
		perror("initstack");
		exit(EXIT_UNREADABLE);
	}
	o->items[o->nitems++] = (struct stack_item){ path, role };
}

static int usage_error(const char *cmd, const char *fmt, const char *arg)
{
	fprintf(stderr, "initstack %s: ", cmd);
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\n(see initstack --help)\n");
	return EXIT_USAGE;
}

/* Parse the stack options; returns 0 or an exit status. */
static int parse(const char *cmd, int argc, char **argv, struct opts *o)
{
	memset(o, 0, sizeof *o);
	ist_tree_config_default(&o->cfg);
	struct ist_error err;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", long_opts, NULL)) != -1) {
		switch (c) {
		case OPT_EARLY: add_item(o, optarg, IST_ROLE_EARLY); break;
		case OPT_KERNEL: add_item(o, optarg, IST_ROLE_KERNEL); break;
		case OPT_EXTRA: add_item(o, optarg, IST_ROLE_EXTRA); break;
		case OPT_DEFERRED: add_item(o, optarg, IST_ROLE_DEFERRED); break;
		case OPT_PROTECT:
			if (!o->protect_given) {
				o->cfg.policy.nprotect = 0;
				o->protect_given = true;
			}
			if (ist_policy_protect(&o->cfg.policy, optarg, strlen(optarg), &err))
				return usage_error(cmd, "%s", err.msg);
			break;
		case OPT_ON_CLASH: {
			enum ist_action a;
			if (!ist_action_parse(optarg, strlen(optarg), &a))
				return usage_error(cmd, "--on-clash takes error, warn or allow, not \"%s\"", optarg);
			ist_policy_on_clash(&o->cfg.policy, a);
			break;
		}
		case OPT_ON: {
			const char *eq = strchr(optarg, '=');
			enum ist_event_class cls;
			enum ist_action a;
			if (!eq || !ist_event_class_parse(optarg, (size_t)(eq - optarg), &cls) ||
			    !ist_action_parse(eq + 1, strlen(eq + 1), &a))
				return usage_error(cmd, "--on takes CLASS=ACTION (e.g. overwrite=warn), not \"%s\"", optarg);
			o->cfg.policy.action[cls] = a;
			break;
		}
		case OPT_ROOTFS:
			if (!strcmp(optarg, "tmpfs"))
				o->cfg.root_mode = 01777;
			else if (!strcmp(optarg, "ramfs"))
				o->cfg.root_mode = 0755;
			else
				return usage_error(cmd, "--rootfs takes tmpfs or ramfs, not \"%s\"", optarg);
			break;
		case OPT_NO_BUILTIN: o->cfg.builtin = false; break;
		case OPT_JSON: o->json = true; break;
		case 'h':
			printf("see initstack --help\n");
			exit(0);
		default:
			return EXIT_USAGE;
		}
	}
	for (int i = optind; i < argc; i++)
		add_item(o, argv[i], IST_ROLE_EXTRA);
	if (!o->nitems)
		return usage_error(cmd, "%s", "no archive given");
	return 0;
}

/* ---- list ------------------------------------------------------------ */

struct lister {
	const char *path;
	bool json;
	bool seg_open;
	bool first_seg, first_entry;
	bool file_open;
};

static void list_seg_open(struct lister *l, const struct ist_segment *s)
{
	if (l->seg_open)
		return;
	l->seg_open = true;
	if (l->json) {
		printf("%s{\"index\":%u,\"entries\":[", l->first_seg ? "" : ",", s->index);
		l->first_seg = false;
		l->first_entry = true;
	} else {
		printf("%s: segment %u: %s at offset %llu\n", l->path, s->index,
		       ist_compression_name(s->comp), (unsigned long long)s->offset);
	}
}

static int list_entry(void *user, const struct ist_segment *s, const struct ist_cpio_entry *e)
{
	struct lister *l = user;
	list_seg_open(l, s);
	if (l->json) {
		printf("%s{\"offset\":%llu,\"name\":", l->first_entry ? "" : ",",
		       (unsigned long long)e->offset);
		json_str(stdout, e->name);
		printf(",\"type\":\"%s\",\"mode\":%u,\"uid\":%u,\"gid\":%u,\"nlink\":%u,\"mtime\":%u,"
		       "\"size\":%u,\"ino\":%u,\"devmajor\":%u,\"devminor\":%u,\"rdevmajor\":%u,\"rdevminor\":%u",
		       e->trailer ? "trailer" : type_word(e->mode), e->mode & 07777, e->uid, e->gid, e->nlink,
		       e->mtime, e->filesize, e->ino, e->devmajor, e->devminor, e->rdevmajor, e->rdevminor);
		if (e->target) {
			printf(",\"target\":");
			json_str(stdout, e->target);
		}
		printf("}");
		l->first_entry = false;
		return 0;
	}
	if (e->trailer)
		return 0; /* like cpio -t: the trailer is structure, not an entry */
	char m[11];
	mode_string(e->mode, m);
	char when[32];
	time_t t = e->mtime;
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(when, sizeof when, "%Y-%m-%d %H:%M", &tm);
	uint32_t type = e->mode & IST_S_IFMT;
	char size[32];
	if (type == IST_S_IFCHR || type == IST_S_IFBLK)
		snprintf(size, sizeof size, "%u, %u", e->rdevmajor, e->rdevminor);
	else
		snprintf(size, sizeof size, "%u", e->filesize);
	printf("%s %3u %-5u %-5u %10s %s %s%s%s\n", m, e->nlink, e->uid, e->gid, size, when, e->name,
	       e->target ? " -> " : "", e->target ? e->target : "");
	return 0;
}

static int list_segment(void *user, const struct ist_segment *s)
{
	struct lister *l = user;
	list_seg_open(l, s);
	if (l->json) {
		printf("],\"kind\":\"%s\",\"compression\":\"%s\",\"offset\":%llu,\"length\":%llu,"
		       "\"decoded\":%llu,\"members\":%u,\"leading\":%s}",
		       s->kind == IST_SEG_CPIO ? "cpio" : "compressed", ist_compression_name(s->comp),
		       (unsigned long long)s->offset, (unsigned long long)s->length,
		       (unsigned long long)s->decoded, s->members, s->leading ? "true" : "false");
	} else {
		printf("%s: segment %u: %s, %llu bytes", l->path, s->index,
		       ist_compression_name(s->comp), (unsigned long long)s->length);
		if (s->kind == IST_SEG_COMPRESSED)
			printf(" (%llu decoded)", (unsigned long long)s->decoded);
		printf(", %u members%s\n", s->members,
		       s->leading ? ", in the leading uncompressed run" : "");
	}
	l->seg_open = false;
	return 0;
}

/*
 * One file of the stack read as the boot will read it: the kernel's
 * archives as initstack.efi validates them (whole, with the loader's
 * decoders), a deferred one as the handover unpacks it (in chunks, with
 * the library decoders).
 */
static enum ist_status read_as_booted(const char *path, unsigned index, enum ist_role role,
				      struct ist_tree *tree, const struct file_hooks *hooks,
				      bool *open_end, char *msg, size_t msgsize)
{
	if (open_end)
		*open_end = false;
	if (role == IST_ROLE_DEFERRED)
		return read_archive_file(path, index, role, tree, hooks, msg, msgsize);
	return read_archive_file_whole(path, ist_loader_decoder_open, index, role, tree, hooks,
				       open_end, msg, msgsize);
}

int cmd_list(int argc, char **argv)
{
	struct opts o;
	int rc = parse("list", argc, argv, &o);
	if (rc)
		return rc;
	int status = EXIT_CLEAN;
	if (o.json)
		printf("[");
	for (unsigned i = 0; i < o.nitems; i++) {
		struct lister l = { .path = o.items[i].path, .json = o.json, .first_seg = true };
		const struct file_hooks h = { list_entry, NULL, NULL, list_segment, &l };
		if (o.json) {
			printf("%s{\"file\":", i ? "," : "");
			json_str(stdout, l.path);
			printf(",\"segments\":[");
		}
		char msg[512];
		enum ist_status st = read_as_booted(l.path, i, o.items[i].role, NULL, &h, NULL, msg, sizeof msg);
		if (o.json) {
			if (l.seg_open)
				printf("]}");
			printf("]");
			if (st) {
				printf(",\"error\":");
				json_str(stdout, msg);
			}
			printf("}");
		}
		if (st) {
			fflush(stdout);
			fprintf(stderr, "initstack: %s\n", msg);
			status = EXIT_UNREADABLE;
		}
	}
	if (o.json)
		printf("]\n");
	free(o.items);
	return status;
}

/* ---- check and tree -------------------------------------------------- */

struct checker {
	struct opts *o;
	bool quiet_allow; /* tree: only warnings and errors on stderr */
	FILE *out;
	bool first;
};

static int on_event(void *user, const struct ist_event *ev)
{
	struct checker *c = user;
	const struct stack_item *it = &c->o->items[ev->archive];
	if (c->o->json && c->out == stdout) {
		printf("%s{\"action\":\"%s\",\"class\":\"%s\",\"archive\":%u,\"file\":", c->first ? "" : ",",
		       ist_action_name(ev->action), ist_event_class_name(ev->cls), ev->archive);
		json_str(stdout, it->path);
		printf(",\"role\":\"%s\",\"offset\":%llu,", ist_role_name(it->role),
		       (unsigned long long)ev->offset);
		if (ev->seg && ev->seg->kind == IST_SEG_COMPRESSED)
			printf("\"member\":%llu,", (unsigned long long)ev->seg->offset);
		printf("\"name\":");
		json_str(stdout, ev->name);
		printf(",\"path\":");
		json_str(stdout, ev->path);
		printf(",\"applied\":%s,\"detail\":", ev->applied ? "true" : "false");
		json_str(stdout, ev->detail);
		printf("}");
		c->first = false;
		return 0;
	}
	if (c->quiet_allow && ev->action == IST_ACT_ALLOW)
		return 0;
	char where[96];
	if (ev->seg && ev->seg->kind == IST_SEG_COMPRESSED)
		snprintf(where, sizeof where, "%s member at offset %llu, decoded offset %llu",
			 ist_compression_name(ev->seg->comp), (unsigned long long)ev->seg->offset,
			 (unsigned long long)ev->offset);
	else
		snprintf(where, sizeof where, "offset %llu", (unsigned long long)ev->offset);
	fprintf(c->out, "%s: %s: %s: \"%s\": %s: %s%s\n", ist_action_name(ev->action), it->path, where,
		ev->name, ist_event_class_name(ev->cls), ev->detail,
		ev->applied || ev->cls == IST_EV_DROPPED ? "" :
		" (refused: not unpacked)");
	return 0;
}

/* Build the tree from the stack; returns an exit status. */
static int simulate(struct opts *o, struct checker *c, struct ist_tree **out)
{
	o->cfg.event = on_event;
	o->cfg.user = c;
	struct ist_error err = { 0 };
	if (ist_tree_new(out, &host_alloc, &o->cfg, &err)) {
		fprintf(stderr, "initstack: %s\n", err.msg);
		return EXIT_UNREADABLE;
	}
	for (unsigned i = 0; i < o->nitems; i++) {
		char msg[512];
		bool open_end;
		if (read_as_booted(o->items[i].path, i, o->items[i].role, *out, NULL, &open_end, msg,
				   sizeof msg)) {
			fflush(stdout);
			fprintf(stderr, "initstack: %s\n", msg);
			return EXIT_UNREADABLE;
		}
		if (open_end && i + 1 < o->nitems && c->out && !o->json)
			fprintf(c->out,
				"note: %s: its legacy lz4 stream runs to the end of the file: initstack.efi ends it with 4 NUL bytes (concatenated as systemd-boot does, the kernel would decode the next file as lz4 chunks)\n",
				o->items[i].path);
	}
	return ist_tree_count(*out, IST_ACT_ERROR) ? EXIT_VIOLATION : EXIT_CLEAN;
}

int cmd_check(int argc, char **argv)
{
	struct opts o;
	int rc = parse("check", argc, argv, &o);
	if (rc)
		return rc;
	struct checker c = { .o = &o, .out = stdout, .first = true };
	struct ist_tree *t = NULL;
	if (o.json)
		printf("{\"events\":[");
	rc = simulate(&o, &c, &t);
	unsigned errors = t ? ist_tree_count(t, IST_ACT_ERROR) : 0;
	unsigned warnings = t ? ist_tree_count(t, IST_ACT_WARN) : 0;
	if (o.json) {
		printf("],\"errors\":%u,\"warnings\":%u,\"status\":\"%s\"}\n", errors, warnings,
		       rc == EXIT_CLEAN ? "clean" : rc == EXIT_VIOLATION ? "violation" : "unreadable");
	} else if (rc != EXIT_UNREADABLE) {
		printf("%u archive%s: %u error%s, %u warning%s\n", o.nitems, o.nitems == 1 ? "" : "s",
		       errors, errors == 1 ? "" : "s", warnings, warnings == 1 ? "" : "s");
	}
	ist_tree_free(t);
	free(o.items);
	return rc;
}

struct printer {
	bool json, first;
};

static int print_item(void *user, const struct ist_tree_item *it)
{
	struct printer *p = user;
	char hex[IST_SHA256_HEX];
	uint32_t type = it->mode & IST_S_IFMT;
	if (p->json) {
		printf("%s{\"path\":", p->first ? "" : ",");
		json_str(stdout, it->path);
		printf(",\"type\":\"%s\",\"mode\":\"%04o\",\"uid\":%u,\"gid\":%u", type_word(it->mode),
		       it->mode & 07777, it->uid, it->gid);
		if (type == IST_S_IFREG)
			printf(",\"size\":%llu,\"sha256\":\"%s\"", (unsigned long long)it->size,
			       ist_sha256_hex(it->sha256, hex));
		if (it->target) {
			printf(",\"target\":");
			json_str(stdout, it->target);
		}
		if (type == IST_S_IFCHR || type == IST_S_IFBLK)
			printf(",\"rdev\":\"%u:%u\"", it->rdevmajor, it->rdevminor);
		if (it->first_name) {
			printf(",\"link\":");
			json_str(stdout, it->first_name);
		}
		printf(",\"nlink\":%u}", it->nlink);
		p->first = false;
		return 0;
	}
	char size[24] = "-", what[80] = "-";
	if (type == IST_S_IFREG) {
		snprintf(size, sizeof size, "%llu", (unsigned long long)it->size);
		snprintf(what, sizeof what, "%s", ist_sha256_hex(it->sha256, hex));
	} else if (type == IST_S_IFLNK) {
		snprintf(size, sizeof size, "%llu", (unsigned long long)it->size);
	} else if (type == IST_S_IFCHR || type == IST_S_IFBLK) {
		snprintf(what, sizeof what, "%u:%u", it->rdevmajor, it->rdevminor);
	}
	printf("%c %04o %u:%u %s %s %s", type_letter(it->mode), it->mode & 07777, it->uid, it->gid,
	       size, what, it->path);
	if (it->target)
		printf(" -> %s", it->target);
	if (it->first_name)
		printf(" => %s", it->first_name);
	putchar('\n');
	return 0;
}

int cmd_tree(int argc, char **argv)
{
	struct opts o;
	int rc = parse("tree", argc, argv, &o);
	if (rc)
		return rc;
	struct checker c = { .o = &o, .quiet_allow = true, .out = stderr, .first = true };
	struct ist_tree *t = NULL;
	rc = simulate(&o, &c, &t);
	if (rc != EXIT_UNREADABLE) {
		struct printer p = { o.json, true };
		if (o.json)
			printf("[");
		ist_tree_walk(t, print_item, &p);
		if (o.json)
			printf("]\n");
		rc = EXIT_CLEAN;
	}
	ist_tree_free(t);
	free(o.items);
	return rc;
}
