/*
 * tinykube-monitor: the per-container monitor of tinykube's process runtime
 * (the role conmon plays for CRI-O and containerd-shim for containerd).
 *
 * Usage: tinykube-monitor SPEC_FILE
 *
 * SPEC_FILE is a sequence of NUL-terminated "key=value" records written by
 * monitor.py (repeated keys form lists; see parse_spec for the keys).
 *
 * Life of one monitor:
 *   1. The launcher's process parses the spec and forks the monitor.  The
 *      monitor calls setsid, binds state_dir/control.sock, writes monitor.pid
 *      and reports "ok" over a pipe; the launcher's process then prints the
 *      monitor pid and exits, so the agent's wait returns in about a
 *      millisecond.  The monitor is in its own session: killing the agent
 *      (even its whole process group) does not touch it.
 *   2. The monitor forks the container process.  The child path joins the
 *      cgroups, enters/creates namespaces, builds its root, applies the bind
 *      mounts, sets hostname, cwd and identity, then execs.  Any failure is
 *      written to a CLOEXEC pipe and the child ends in _exit(127); a clean EOF
 *      on that pipe means exec succeeded.
 *   3. The monitor loops on poll(): signalfd (SIGCHLD, forwarded SIGTERM/
 *      SIGINT), the control socket ("kill <signum>" datagrams) and the
 *      container's stdout/stderr pipes, which it writes to log_path in the CRI
 *      log format, rotating at log_max_size.
 *   4. When the child has exited and its pipes are drained (EOF, or at most
 *      DRAIN_MS after the exit), it writes the exit record, notifies the agent
 *      and exits 0.
 *
 * State files in state_dir (all written to a temporary name and renamed):
 *   monitor.pid        "<pid>\n"
 *   started            pid=<host pid>, started_at=<RFC3339Nano UTC>
 *   exit               exit_code, signal, reason, started_at, finished_at,
 *                      oom_killed, message (key=value lines; the message
 *                      escapes '\\' and newline as \\ and \n)
 *   termination-log    host file bind-mounted at term_message_path (the
 *                      kubelet does the same for terminationMessagePath)
 *   monitor.log        the monitor's own diagnostics (its stderr)
 *
 * rootfs=host-overlay: the container sees the host's root filesystem through
 * an overlayfs whose upper layer is a tmpfs private to the container, so
 * writes anywhere (including /tmp, /run, /etc) never reach the host and vanish
 * with the container.  Only the root filesystem is overlaid: other host mount
 * points appear as their empty mount-point directories unless passed as
 * mounts.  Shared with the host: nothing writable except the explicit mounts.
 * Fresh inside: /proc (of the container's pid namespace), /sys (sysfs,
 * read-only), /dev (tmpfs with null, zero, full, random, urandom and tty
 * bound from the host, a private devpts, /dev/shm tmpfs, /dev/mqueue when
 * newipc=1).  rootfs=none keeps the host tree (in a private mount namespace
 * if anything is mounted; /proc is remounted when newpid=1); mount points are
 * then created on the host itself.  With rootfs=none, no mounts and no new
 * namespaces the monitor also works unprivileged.
 *
 * Logs follow containerd's CRI logger: "<time> <stream> <F|P> <text>\n" with
 * the time in UTC and nine fractional digits, "\n" or "\r\n" ending a line,
 * lines longer than 16 KiB split into P records and trailing data at EOF
 * written as a P record.  Rotation follows the kubelet's log manager.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef OPEN_TREE_CLONE /* new mount API constants (linux/mount.h) */
#define OPEN_TREE_CLONE 1
#define OPEN_TREE_CLOEXEC O_CLOEXEC
#define MOVE_MOUNT_F_EMPTY_PATH 0x00000004
#endif
#ifndef AT_RECURSIVE
#define AT_RECURSIVE 0x8000
#endif
#ifndef SYS_open_tree
#define SYS_open_tree 428
#define SYS_move_mount 429
#endif

#define LOG_LINE_MAX 16384 /* containerd's max_container_log_line_size */
#define DRAIN_MS 1000      /* how long pipes may outlive the child */
#define MSG_MAX 512        /* start error messages */
#define TERM_LOG "termination-log"
#define DEFAULT_LOG_MAX_SIZE (10LL * 1024 * 1024) /* kubelet containerLogMaxSize */
#define DEFAULT_LOG_MAX_FILES 5                   /* kubelet containerLogMaxFiles */

/* ------------------------------------------------------------------ spec */

struct list {
    const char **v;
    size_t n;
};

struct spec {
    const char *id, *state_dir, *log_path, *workdir, *hostname, *rootfs;
    const char *notify_socket, *term_message_path, *oom_cgroup;
    struct list args, env, groups, cgroup_procs, join_ns, mounts;
    long uid, gid; /* -1: unset */
    int newpid, newuts, newipc, oom_score_adj, overlay;
    long long log_max_size;
    long log_max_files;
};

static int list_push(struct list *l, const char *s)
{
    const char **v = realloc(l->v, (l->n + 1) * sizeof *v);
    if (!v)
        return -1;
    v[l->n++] = s;
    l->v = v;
    return 0;
}

static int parse_num(const char *s, long long lo, long long hi, long long *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

/* Reads SPEC_FILE into memory; the spec points into that buffer. */
static int parse_spec(const char *file, struct spec *sp, char *err, size_t errsz)
{
    memset(sp, 0, sizeof *sp);
    sp->uid = sp->gid = -1;
    sp->log_max_size = DEFAULT_LOG_MAX_SIZE;
    sp->log_max_files = DEFAULT_LOG_MAX_FILES;
    sp->rootfs = "none";
    int fd = open(file, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0) {
        snprintf(err, errsz, "open spec %s: %s", file, strerror(errno));
        return -1;
    }
    char *buf = malloc((size_t)st.st_size + 1);
    ssize_t got = buf ? read(fd, buf, (size_t)st.st_size) : -1;
    close(fd);
    if (got < 0 || got != st.st_size) {
        snprintf(err, errsz, "read spec %s: short read", file);
        return -1;
    }
    buf[got] = '\0';
    for (char *rec = buf, *next; rec < buf + got; rec = next) {
        next = rec + strlen(rec) + 1;
        char *val = strchr(rec, '=');
        if (!val) {
            snprintf(err, errsz, "spec record without '=': %.64s", rec);
            return -1;
        }
        *val++ = '\0';
        long long n = 0;
        int bad = 0;
        const char **str = NULL;
        struct list *lst = NULL;
        if (!strcmp(rec, "id")) str = &sp->id;
        else if (!strcmp(rec, "state_dir")) str = &sp->state_dir;
        else if (!strcmp(rec, "log_path")) str = &sp->log_path;
        else if (!strcmp(rec, "workdir")) str = &sp->workdir;
        else if (!strcmp(rec, "hostname")) str = &sp->hostname;
        else if (!strcmp(rec, "rootfs")) str = &sp->rootfs;
        else if (!strcmp(rec, "notify_socket")) str = &sp->notify_socket;
        else if (!strcmp(rec, "term_message_path")) str = &sp->term_message_path;
        else if (!strcmp(rec, "oom_cgroup")) str = &sp->oom_cgroup;
        else if (!strcmp(rec, "arg")) lst = &sp->args;
        else if (!strcmp(rec, "env")) lst = &sp->env;
        else if (!strcmp(rec, "group")) lst = &sp->groups;
        else if (!strcmp(rec, "cgroup_procs")) lst = &sp->cgroup_procs;
        else if (!strcmp(rec, "join_ns")) lst = &sp->join_ns;
        else if (!strcmp(rec, "mount")) lst = &sp->mounts;
        else if (!strcmp(rec, "uid")) { bad = parse_num(val, 0, 0xfffffffe, &n); sp->uid = (long)n; }
        else if (!strcmp(rec, "gid")) { bad = parse_num(val, 0, 0xfffffffe, &n); sp->gid = (long)n; }
        else if (!strcmp(rec, "newpid")) { bad = parse_num(val, 0, 1, &n); sp->newpid = (int)n; }
        else if (!strcmp(rec, "newuts")) { bad = parse_num(val, 0, 1, &n); sp->newuts = (int)n; }
        else if (!strcmp(rec, "newipc")) { bad = parse_num(val, 0, 1, &n); sp->newipc = (int)n; }
        else if (!strcmp(rec, "oom_score_adj")) { bad = parse_num(val, -1000, 1000, &n); sp->oom_score_adj = (int)n; }
        else if (!strcmp(rec, "log_max_size")) { bad = parse_num(val, 1, LLONG_MAX, &n); sp->log_max_size = n; }
        else if (!strcmp(rec, "log_max_files")) { bad = parse_num(val, 2, 1000000, &n); sp->log_max_files = (long)n; }
        else {
            snprintf(err, errsz, "unknown spec key %.64s", rec);
            return -1;
        }
        if (str)
            *str = val;
        else if (lst && list_push(lst, val) < 0)
            bad = 1;
        if (bad) {
            snprintf(err, errsz, "invalid value for spec key %s: %.64s", rec, val);
            return -1;
        }
    }
    for (size_t i = 0; i < sp->groups.n; i++) {
        long long g;
        if (parse_num(sp->groups.v[i], 0, 0xfffffffe, &g) < 0) {
            snprintf(err, errsz, "invalid group %.64s", sp->groups.v[i]);
            return -1;
        }
    }
    if (!sp->id || !sp->state_dir || !sp->log_path || sp->args.n == 0) {
        snprintf(err, errsz, "spec needs id, state_dir, log_path and at least one arg");
        return -1;
    }
    if (sp->log_path[0] != '/' || sp->state_dir[0] != '/') {
        snprintf(err, errsz, "state_dir and log_path must be absolute");
        return -1;
    }
    sp->overlay = !strcmp(sp->rootfs, "host-overlay");
    if (!sp->overlay && strcmp(sp->rootfs, "none")) {
        snprintf(err, errsz, "unsupported rootfs %.64s", sp->rootfs);
        return -1;
    }
    if (list_push(&sp->args, NULL) < 0 || list_push(&sp->env, NULL) < 0)
        return -1;
    sp->args.n--; /* keep NULL terminators for execve */
    sp->env.n--;
    return 0;
}

/* ------------------------------------------------------------- helpers */

static void now_rfc3339(char out[48])
{
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    size_t n = strftime(out, 48, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out + n, 48 - n, ".%09ldZ", ts.tv_nsec);
}

static long long monotonic_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static int write_file(const char *path, const char *content)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    int rc = write_all(fd, content, strlen(content));
    int saved = errno;
    close(fd);
    errno = saved;
    return rc;
}

/* Atomically replaces state_dir/name (the monitor's cwd is state_dir). */
static int write_state(const char *name, const char *content)
{
    char tmp[64];
    snprintf(tmp, sizeof tmp, ".%s.tmp", name);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return -1;
    int rc = write_all(fd, content, strlen(content));
    close(fd);
    if (rc == 0)
        rc = rename(tmp, name);
    if (rc < 0)
        fprintf(stderr, "tinykube-monitor: write %s: %s\n", name, strerror(errno));
    return rc;
}

/* ------------------------------------------------------------ the child */

/* Reports a setup failure to the monitor and exits; never returns. */
__attribute__((noreturn, format(printf, 2, 3)))
static void child_fail(int report_fd, const char *fmt, ...)
{
    char msg[MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (n > 0)
        (void)!write(report_fd, msg, (size_t)n < sizeof msg ? (size_t)n : sizeof msg - 1);
    _exit(127);
}

/* Go spells errno strings in lower case ("no such file or directory"). */
static const char *go_strerror(int e, char buf[96])
{
    snprintf(buf, 96, "%s", strerror(e));
    if (buf[0] >= 'A' && buf[0] <= 'Z' && !(buf[1] >= 'A' && buf[1] <= 'Z'))
        buf[0] = (char)(buf[0] - 'A' + 'a');
    return buf;
}

static int mkdir_p(const char *path, mode_t mode)
{
    char buf[PATH_MAX];
    if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf)
        return errno = ENAMETOOLONG, -1;
    for (char *p = buf + 1;; p++) {
        if (*p != '/' && *p != '\0')
            continue;
        char c = *p;
        *p = '\0';
        if (mkdir(buf, mode) < 0 && errno != EEXIST)
            return -1;
        if (c == '\0')
            return 0;
        *p = c;
    }
}

/* Creates the mount point: a directory, or an empty file in its parent. */
static int make_mount_point(const char *dst, int is_dir)
{
    if (is_dir)
        return mkdir_p(dst, 0755);
    char parent[PATH_MAX];
    snprintf(parent, sizeof parent, "%s", dst);
    char *slash = strrchr(parent, '/');
    if (slash && slash != parent) {
        *slash = '\0';
        if (mkdir_p(parent, 0755) < 0)
            return -1;
    }
    int fd = open(dst, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0)
        return errno == EISDIR ? 0 : -1; /* mount reports the mismatch */
    close(fd);
    return 0;
}

/*
 * Mount sources are host paths, so they are captured before the root changes:
 * open_tree(OPEN_TREE_CLONE) makes a detached copy that move_mount can attach
 * after pivot_root (a bind from an fd of the detached old root would fail).
 * Kernels before 5.2 get an O_PATH fd, which only works without pivot_root.
 */
static int capture_source(const char *src)
{
    int fd = (int)syscall(SYS_open_tree, AT_FDCWD, src, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
    if (fd < 0 && errno == ENOSYS)
        fd = open(src, O_PATH | O_CLOEXEC);
    return fd;
}

/* Attaches a captured source at dst (container view); ro by remount. */
static void bind_fd(int rep, int fd, const char *dst, int ro)
{
    char buf[96], src[64];
    struct stat st;
    if (fstat(fd, &st) < 0 || make_mount_point(dst, S_ISDIR(st.st_mode)) < 0)
        child_fail(rep, "create mount point %s: %s", dst, go_strerror(errno, buf));
    snprintf(src, sizeof src, "/proc/self/fd/%d", fd);
    if (syscall(SYS_move_mount, fd, "", AT_FDCWD, dst, MOVE_MOUNT_F_EMPTY_PATH) < 0 &&
        (errno != EINVAL || mount(src, dst, NULL, MS_BIND | MS_REC, NULL) < 0))
        child_fail(rep, "bind mount on %s: %s", dst, go_strerror(errno, buf));
    if (ro) {
        /* A read-only remount must keep the flags the mount already has. */
        struct statvfs sv;
        unsigned long fl = MS_BIND | MS_REMOUNT | MS_RDONLY;
        if (statvfs(dst, &sv) == 0) {
            fl |= (sv.f_flag & ST_NOSUID ? MS_NOSUID : 0) | (sv.f_flag & ST_NODEV ? MS_NODEV : 0) |
                  (sv.f_flag & ST_NOEXEC ? MS_NOEXEC : 0) | (sv.f_flag & ST_NOATIME ? MS_NOATIME : 0) |
                  (sv.f_flag & ST_NODIRATIME ? MS_NODIRATIME : 0) |
                  (sv.f_flag & ST_RELATIME ? MS_RELATIME : 0);
        }
        if (mount(NULL, dst, NULL, fl, NULL) < 0)
            child_fail(rep, "remount %s read-only: %s", dst, go_strerror(errno, buf));
    }
}

/* Fresh /dev in the overlay root (cwd = new root); runc's default set. */
static void setup_dev(int rep, int newipc)
{
    static const char *const devices[] = {"null", "zero", "full", "random", "urandom", "tty"};
    static const char *const links[][2] = {{"/proc/self/fd", "dev/fd"},   {"/proc/self/fd/0", "dev/stdin"},
                                           {"/proc/self/fd/1", "dev/stdout"},
                                           {"/proc/self/fd/2", "dev/stderr"},
                                           {"pts/ptmx", "dev/ptmx"}};
    char buf[96], host[32], dst[32];
    if (mkdir_p("dev", 0755) < 0 ||
        mount("tmpfs", "dev", "tmpfs", MS_NOSUID | MS_STRICTATIME, "mode=755,size=65536k") < 0)
        child_fail(rep, "mount /dev: %s", go_strerror(errno, buf));
    for (size_t i = 0; i < sizeof devices / sizeof *devices; i++) {
        snprintf(host, sizeof host, "/dev/%s", devices[i]);
        snprintf(dst, sizeof dst, "dev/%s", devices[i]);
        if (make_mount_point(dst, 0) < 0 || mount(host, dst, NULL, MS_BIND, NULL) < 0)
            child_fail(rep, "bind %s: %s", host, go_strerror(errno, buf));
    }
    if (mkdir("dev/pts", 0755) < 0 ||
        mount("devpts", "dev/pts", "devpts", MS_NOSUID | MS_NOEXEC, "newinstance,ptmxmode=0666,mode=0620") < 0)
        child_fail(rep, "mount /dev/pts: %s", go_strerror(errno, buf));
    if (mkdir("dev/shm", 01777) < 0 ||
        mount("shm", "dev/shm", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=1777,size=65536k") < 0)
        child_fail(rep, "mount /dev/shm: %s", go_strerror(errno, buf));
    if (newipc && (mkdir("dev/mqueue", 0755) < 0 ||
                   mount("mqueue", "dev/mqueue", "mqueue", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0))
        child_fail(rep, "mount /dev/mqueue: %s", go_strerror(errno, buf));
    for (size_t i = 0; i < sizeof links / sizeof *links; i++)
        if (symlink(links[i][0], links[i][1]) < 0)
            child_fail(rep, "symlink %s: %s", links[i][1], go_strerror(errno, buf));
}

/*
 * Builds the overlay root in state_dir/rootfs (mounted only in the child's
 * private namespace) and pivots into it.
 */
static void setup_overlay_root(int rep, const struct spec *sp)
{
    char buf[96];
    if (chdir(sp->state_dir) < 0 || (mkdir("rootfs", 0700) < 0 && errno != EEXIST) ||
        mount("tmpfs", "rootfs", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755") < 0 || chdir("rootfs") < 0 ||
        mkdir("upper", 0755) < 0 || mkdir("work", 0700) < 0 || mkdir("merged", 0755) < 0)
        child_fail(rep, "prepare overlay upper layer: %s", go_strerror(errno, buf));
    if (mount("overlay", "merged", "overlay", 0, "lowerdir=/,upperdir=upper,workdir=work") < 0 ||
        chdir("merged") < 0)
        child_fail(rep, "mount overlay root: %s", go_strerror(errno, buf));
    if (mkdir_p("proc", 0555) < 0 ||
        mount("proc", "proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
        child_fail(rep, "mount /proc: %s", go_strerror(errno, buf));
    unsigned long sysfl = MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC;
    if (mkdir_p("sys", 0555) < 0 || (mount("sysfs", "sys", "sysfs", sysfl, NULL) < 0 &&
                                     (mount("/sys", "sys", NULL, MS_BIND | MS_REC, NULL) < 0 ||
                                      mount(NULL, "sys", NULL, MS_BIND | MS_REMOUNT | sysfl, NULL) < 0)))
        child_fail(rep, "mount /sys: %s", go_strerror(errno, buf));
    setup_dev(rep, sp->newipc);
}

static void pivot_into_cwd(int rep)
{
    char buf[96];
    /* pivot_root(".", ".") stacks the old root on the new one; detach it. */
    if (syscall(SYS_pivot_root, ".", ".") < 0 || umount2(".", MNT_DETACH) < 0 || chdir("/") < 0)
        child_fail(rep, "pivot_root: %s", go_strerror(errno, buf));
}

static const char *env_get(const struct spec *sp, const char *name)
{
    size_t n = strlen(name);
    const char *found = NULL; /* the last definition wins, as in getenv */
    for (size_t i = 0; i < sp->env.n; i++)
        if (!strncmp(sp->env.v[i], name, n) && sp->env.v[i][n] == '=')
            found = sp->env.v[i] + n + 1;
    return found;
}

/* Go's exec.LookPath with the container's PATH; runc's error wording. */
static const char *lookup(int rep, const struct spec *sp, char out[PATH_MAX])
{
    const char *file = sp->args.v[0];
    char buf[96];
    struct stat st;
    if (strchr(file, '/')) {
        if (stat(file, &st) < 0)
            child_fail(rep, "exec: \"%s\": stat %s: %s", file, file, go_strerror(errno, buf));
        if (S_ISDIR(st.st_mode))
            child_fail(rep, "exec: \"%s\": is a directory", file);
        if (faccessat(AT_FDCWD, file, X_OK, AT_EACCESS) < 0)
            child_fail(rep, "exec: \"%s\": %s", file, go_strerror(errno, buf));
        return file;
    }
    const char *path = env_get(sp, "PATH");
    while (path && *file) {
        const char *end = strchrnul(path, ':');
        int len = (int)(end - path);
        snprintf(out, PATH_MAX, "%.*s/%s", len ? len : 1, len ? path : ".", file);
        if (stat(out, &st) == 0 && !S_ISDIR(st.st_mode) && faccessat(AT_FDCWD, out, X_OK, AT_EACCESS) == 0)
            return out;
        path = *end ? end + 1 : NULL;
    }
    child_fail(rep, "exec: \"%s\": executable file not found in $PATH", file);
}

struct child_fds {
    int devnull, out_w, err_w, report_w;
};

/* The child path: setup and exec only; every failure ends in _exit(127). */
__attribute__((noreturn))
static void child_main(const struct spec *sp, const struct child_fds *fds)
{
    int rep = fds->report_w;
    char buf[96], path[PATH_MAX];
    if (dup2(fds->devnull, 0) < 0 || dup2(fds->out_w, 1) < 0 || dup2(fds->err_w, 2) < 0)
        child_fail(rep, "dup2: %s", go_strerror(errno, buf));
    setsid(); /* its own session and process group, as a container init */
    for (size_t i = 0; i < sp->cgroup_procs.n; i++)
        if (write_file(sp->cgroup_procs.v[i], "0") < 0)
            child_fail(rep, "join cgroup %s: %s", sp->cgroup_procs.v[i], go_strerror(errno, buf));
    snprintf(buf, sizeof buf, "%d", sp->oom_score_adj); /* the monitor runs at -1000 */
    if (write_file("/proc/self/oom_score_adj", buf) < 0 && geteuid() == 0)
        child_fail(rep, "set oom_score_adj: %s", go_strerror(errno, buf));

    /* Namespaces: join first (pid was joined by the monitor), then create. */
    for (size_t i = 0; i < sp->join_ns.n; i++) {
        const char *ns = sp->join_ns.v[i];
        const char *base = strrchr(ns, '/');
        if (base && !strcmp(base, "/pid"))
            continue;
        int fd = open(ns, O_RDONLY | O_CLOEXEC);
        if (fd < 0 || setns(fd, 0) < 0)
            child_fail(rep, "join namespace %s: %s", ns, go_strerror(errno, buf));
        close(fd);
    }
    /* A private mount namespace whenever anything is mounted; without any
     * mount and namespace an unprivileged monitor can run plain processes. */
    size_t nm = sp->mounts.n + (sp->term_message_path ? 1 : 0);
    int newns = sp->overlay || sp->newpid || nm > 0;
    int flags = (newns ? CLONE_NEWNS : 0) | (sp->newuts ? CLONE_NEWUTS : 0) | (sp->newipc ? CLONE_NEWIPC : 0);
    if ((flags && unshare(flags) < 0) || (newns && mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0))
        child_fail(rep, "create namespaces: %s", go_strerror(errno, buf));

    /* Mount sources are host paths: capture them before the root changes. */
    int *src = calloc(nm + 1, sizeof *src);
    const char **dst = calloc(nm + 1, sizeof *dst);
    int *ro = calloc(nm + 1, sizeof *ro);
    if (!src || !dst || !ro)
        child_fail(rep, "out of memory");
    for (size_t i = 0; i < sp->mounts.n; i++) {
        /* mount=<src>\t<dst>\t<ro|rw> */
        char *m = strdup(sp->mounts.v[i]);
        char *t1 = m ? strchr(m, '\t') : NULL;
        char *t2 = t1 ? strchr(t1 + 1, '\t') : NULL;
        if (!t2 || (strcmp(t2 + 1, "ro") && strcmp(t2 + 1, "rw")))
            child_fail(rep, "invalid mount record %s", sp->mounts.v[i]);
        *t1 = *t2 = '\0';
        dst[i] = t1 + 1;
        ro[i] = !strcmp(t2 + 1, "ro");
        if ((src[i] = capture_source(m)) < 0)
            child_fail(rep, "mount source %s: %s", m, go_strerror(errno, buf));
    }
    if (sp->term_message_path) {
        snprintf(path, sizeof path, "%s/" TERM_LOG, sp->state_dir);
        dst[nm - 1] = sp->term_message_path;
        if ((src[nm - 1] = capture_source(path)) < 0)
            child_fail(rep, "termination log %s: %s", path, go_strerror(errno, buf));
    }
    if (sp->overlay) {
        setup_overlay_root(rep, sp);
        pivot_into_cwd(rep);
    } else if (sp->newpid &&
               mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0) {
        child_fail(rep, "mount /proc: %s", go_strerror(errno, buf));
    }
    for (size_t i = 0; i < nm; i++) {
        bind_fd(rep, src[i], dst[i], ro[i]);
        close(src[i]);
    }

    if (sp->hostname && sp->newuts && sethostname(sp->hostname, strlen(sp->hostname)) < 0)
        child_fail(rep, "sethostname: %s", go_strerror(errno, buf));
    const char *cwd = sp->workdir ? sp->workdir : "/";
    if (mkdir_p(cwd, 0755) < 0 || chdir(cwd) < 0)
        child_fail(rep, "chdir to cwd (\"%s\") set in config.json failed: %s", cwd, go_strerror(errno, buf));
    if (sp->uid >= 0 || sp->gid >= 0 || sp->groups.n > 0) {
        gid_t *gs = calloc(sp->groups.n + 1, sizeof *gs);
        for (size_t i = 0; gs && i < sp->groups.n; i++)
            gs[i] = (gid_t)strtoul(sp->groups.v[i], NULL, 10);
        if (!gs || setgroups(sp->groups.n, gs) < 0)
            child_fail(rep, "setgroups: %s", go_strerror(errno, buf));
        if (sp->gid >= 0 && setgid((gid_t)sp->gid) < 0)
            child_fail(rep, "setgid %ld: %s", sp->gid, go_strerror(errno, buf));
        if (sp->uid >= 0 && setuid((uid_t)sp->uid) < 0)
            child_fail(rep, "setuid %ld: %s", sp->uid, go_strerror(errno, buf));
    }
    umask(022);
    const char *exe = lookup(rep, sp, path);

    /* Undo the monitor's signal setup: the mask and SIG_IGN survive exec. */
    sigset_t none;
    sigemptyset(&none);
    signal(SIGPIPE, SIG_DFL);
    sigprocmask(SIG_SETMASK, &none, NULL);
    execve(exe, (char *const *)sp->args.v, (char *const *)sp->env.v);
    child_fail(rep, "exec %s: %s", exe, go_strerror(errno, buf));
}

/* ---------------------------------------------------------------- logs */

struct logfile {
    int fd;
    const char *path;
    long long size, max_size;
    long max_files;
    char last_stamp[32]; /* of the last rotation, with its sequence number */
    int seq;
};

struct stream {
    int fd;           /* read end of the pipe, -1 once closed */
    const char *name; /* "stdout" or "stderr" */
    char *buf;        /* the pending line, LOG_LINE_MAX + 1 bytes, lazily allocated */
    size_t len;
};

static const char *g_rotate_prefix; /* scandir filters take no argument */

static int is_rotated(const struct dirent *d)
{
    size_t n = strlen(g_rotate_prefix), len = strlen(d->d_name);
    return !strncmp(d->d_name, g_rotate_prefix, n) && d->d_name[n] == '.' &&
           !(len > 4 && !strcmp(d->d_name + len - 4, ".tmp"));
}

/* The kubelet's rotation: <log>.<YYYYMMDD-HHMMSS>, keep max_files-1 of them. */
static void log_rotate(struct logfile *lf)
{
    char stamp[32], *rotated = malloc(strlen(lf->path) + 48);
    time_t t = time(NULL);
    struct tm tm;
    if (!rotated)
        return;
    gmtime_r(&t, &tm);
    strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm);
    /* Several rotations in one second get increasing suffixes, so that name
     * order stays age order even after the oldest were removed. */
    lf->seq = strcmp(stamp, lf->last_stamp) ? 0 : lf->seq + 1;
    snprintf(lf->last_stamp, sizeof lf->last_stamp, "%s", stamp);
    for (;; lf->seq++) {
        if (lf->seq == 0)
            sprintf(rotated, "%s.%s", lf->path, stamp);
        else
            sprintf(rotated, "%s.%s.%03d", lf->path, stamp, lf->seq);
        if (access(rotated, F_OK) < 0)
            break;
    }
    int fd = -1;
    if (rename(lf->path, rotated) == 0)
        fd = open(lf->path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
    free(rotated);
    if (fd < 0) {
        fprintf(stderr, "tinykube-monitor: rotate %s: %s\n", lf->path, strerror(errno));
        return;
    }
    close(lf->fd);
    lf->fd = fd;
    lf->size = 0;

    char *dir = strdup(lf->path), *slash = dir ? strrchr(dir, '/') : NULL;
    struct dirent **names;
    if (!slash) {
        free(dir);
        return;
    }
    *slash = '\0';
    g_rotate_prefix = slash + 1;
    int n = scandir(*dir ? dir : "/", &names, is_rotated, alphasort);
    int dfd = open(*dir ? dir : "/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    for (int i = 0; i < n; i++) {
        if (i < n - (lf->max_files - 1) && dfd >= 0)
            unlinkat(dfd, names[i]->d_name, 0); /* oldest first */
        free(names[i]);
    }
    if (n >= 0)
        free(names);
    if (dfd >= 0)
        close(dfd);
    free(dir);
}

/* One CRI record: "<RFC3339Nano> <stream> <F|P> <text>\n". */
static void log_record(struct logfile *lf, const char *stream, char tag, const char *data, size_t n)
{
    char head[80];
    now_rfc3339(head);
    size_t hl = strlen(head);
    hl += (size_t)snprintf(head + hl, sizeof head - hl, " %s %c ", stream, tag);
    struct iovec iov[3] = {{head, hl}, {(void *)data, n}, {"\n", 1}};
    size_t total = hl + n + 1;
    ssize_t w = writev(lf->fd, iov, 3);
    if (w >= 0 && (size_t)w < total) { /* rare short write: finish piecewise */
        size_t done = (size_t)w;
        for (int i = 0; i < 3; i++) {
            size_t skip = done < iov[i].iov_len ? done : iov[i].iov_len;
            done -= skip;
            if (write_all(lf->fd, (char *)iov[i].iov_base + skip, iov[i].iov_len - skip) < 0)
                break;
        }
    }
    lf->size += (long long)total;
    if (lf->size >= lf->max_size)
        log_rotate(lf);
}

static void stream_close(struct stream *s, struct logfile *lf)
{
    /* containerd: data left without a newline at EOF is a partial record. */
    if (s->len > 0)
        log_record(lf, s->name, 'P', s->buf, s->len);
    free(s->buf);
    s->buf = NULL;
    s->len = 0;
    close(s->fd);
    s->fd = -1;
}

/* Reads once from the pipe and logs every complete line (containerd's rules). */
static void stream_read(struct stream *s, struct logfile *lf)
{
    const size_t cap = LOG_LINE_MAX + 1; /* one byte of look-ahead for the '\n' */
    if (!s->buf && !(s->buf = malloc(cap)))
        return;
    ssize_t r = read(s->fd, s->buf + s->len, cap - s->len);
    if (r < 0 && (errno == EINTR || errno == EAGAIN))
        return;
    if (r <= 0) {
        stream_close(s, lf);
        return;
    }
    s->len += (size_t)r;
    size_t start = 0;
    char *nl;
    while ((nl = memchr(s->buf + start, '\n', s->len - start))) {
        size_t end = (size_t)(nl - s->buf), n = end - start;
        if (n > 0 && s->buf[end - 1] == '\r')
            n--; /* "\r\n" ends a line too */
        log_record(lf, s->name, 'F', s->buf + start, n);
        start = end + 1;
    }
    memmove(s->buf, s->buf + start, s->len - start);
    s->len -= start;
    if (s->len == cap) { /* longer than LOG_LINE_MAX: split into P records */
        log_record(lf, s->name, 'P', s->buf, LOG_LINE_MAX);
        s->buf[0] = s->buf[LOG_LINE_MAX];
        s->len = 1;
    }
}

/* ------------------------------------------------------------- monitor */

struct monitor {
    struct spec *sp;
    struct logfile log;
    struct stream out, err;
    int sigfd, ctlfd, notifyfd;
    struct sockaddr_un notify_addr;
    socklen_t notify_len;
    pid_t child;
    int child_alive, status;
    long long oom_before;
    char started_at[48], finished_at[48];
};

static void notify(struct monitor *m, const char *msg)
{
    if (m->notifyfd >= 0)
        sendto(m->notifyfd, msg, strlen(msg), MSG_DONTWAIT | MSG_NOSIGNAL,
               (struct sockaddr *)&m->notify_addr, m->notify_len);
}

/* A unix socket address; long paths go through /proc/self/fd/<dirfd>/. */
static socklen_t unix_addr(const char *path, struct sockaddr_un *a)
{
    memset(a, 0, sizeof *a);
    a->sun_family = AF_UNIX;
    if (strlen(path) >= sizeof a->sun_path) {
        char *dir = strdup(path), *slash = dir ? strrchr(dir, '/') : NULL;
        int dfd = slash && slash != dir ? (*slash = '\0', open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC)) : -1;
        int n = dfd < 0 ? -1 : snprintf(a->sun_path, sizeof a->sun_path, "/proc/self/fd/%d/%s", dfd, slash + 1);
        free(dir);
        if (n < 0 || (size_t)n >= sizeof a->sun_path)
            return 0; /* the dir fd stays open for the monitor's lifetime */
        return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + (size_t)n + 1);
    }
    strcpy(a->sun_path, path);
    return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(path) + 1);
}

/* The oom_kill counter of the container's memory cgroup (v2, then v1), or -1. */
static long long read_oom_kills(const struct spec *sp)
{
    static const char *const files[] = {"memory.events", "memory.oom_control"};
    size_t ndirs = sp->oom_cgroup ? 1 : sp->cgroup_procs.n;
    for (size_t d = 0; d < ndirs; d++) {
        const char *dir = sp->oom_cgroup ? sp->oom_cgroup : sp->cgroup_procs.v[d];
        const char *slash = strrchr(dir, '/');
        if (!sp->oom_cgroup && !slash)
            continue;
        size_t dlen = sp->oom_cgroup ? strlen(dir) : (size_t)(slash - dir);
        for (size_t f = 0; f < 2; f++) {
            char path[PATH_MAX], line[128];
            snprintf(path, sizeof path, "%.*s/%s", (int)dlen, dir, files[f]);
            FILE *fp = fopen(path, "re");
            long long v = -1;
            while (fp && fgets(line, sizeof line, fp))
                if (sscanf(line, "oom_kill %lld", &v) == 1)
                    break;
            if (fp)
                fclose(fp);
            if (v >= 0)
                return v;
        }
    }
    return -1;
}

static void escape_into(char *out, size_t outsz, const char *s)
{
    size_t o = 0;
    for (; *s && o + 3 < outsz; s++) {
        if (*s == '\\' || *s == '\n') {
            out[o++] = '\\';
            out[o++] = *s == '\n' ? 'n' : '\\';
        } else {
            out[o++] = *s;
        }
    }
    out[o] = '\0';
}

/* Writes the exit record, tells the agent and ends the monitor. */
__attribute__((noreturn))
static void finish(struct monitor *m, int exit_code, int sig, const char *reason, int oom, const char *message)
{
    char esc[2 * MSG_MAX + 8], rec[3 * MSG_MAX], note[256];
    escape_into(esc, sizeof esc, message);
    snprintf(rec, sizeof rec,
             "exit_code=%d\nsignal=%d\nreason=%s\nstarted_at=%s\nfinished_at=%s\noom_killed=%d\nmessage=%s\n",
             exit_code, sig, reason, m->started_at, m->finished_at, oom, esc);
    write_state("exit", rec);
    unlink("control.sock"); /* no longer controllable: readers see it gone */
    rmdir("rootfs");
    snprintf(note, sizeof note, "exited %s %d", m->sp->id, exit_code);
    notify(m, note);
    _exit(0);
}

/* Step 2: fork the container; returns only when exec succeeded. */
static void start_container(struct monitor *m, int devnull)
{
    struct spec *sp = m->sp;
    int rep[2] = {-1, -1}, out[2] = {-1, -1}, err[2] = {-1, -1};
    char msg[MSG_MAX] = "", buf[96], rec[128];
    m->oom_before = read_oom_kills(sp);
    if (pipe2(rep, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0 || pipe2(err, O_CLOEXEC) < 0)
        snprintf(msg, sizeof msg, "pipe: %s", go_strerror(errno, buf));
    /* pid namespaces apply to children only, so the monitor enters them. */
    for (size_t i = 0; !*msg && i < sp->join_ns.n; i++) {
        const char *base = strrchr(sp->join_ns.v[i], '/');
        int fd = base && !strcmp(base, "/pid") ? open(sp->join_ns.v[i], O_RDONLY | O_CLOEXEC) : -2;
        if (fd == -1 || (fd >= 0 && setns(fd, CLONE_NEWPID) < 0))
            snprintf(msg, sizeof msg, "join namespace %s: %s", sp->join_ns.v[i], go_strerror(errno, buf));
        if (fd >= 0)
            close(fd);
    }
    if (!*msg && sp->newpid && unshare(CLONE_NEWPID) < 0)
        snprintf(msg, sizeof msg, "create pid namespace: %s", go_strerror(errno, buf));
    if (!*msg && (m->child = fork()) < 0)
        snprintf(msg, sizeof msg, "fork: %s", go_strerror(errno, buf));
    if (!*msg && m->child == 0) {
        struct child_fds fds = {devnull, out[1], err[1], rep[1]};
        child_main(sp, &fds);
    }
    close(rep[1]);
    close(out[1]);
    close(err[1]);
    if (!*msg) {
        size_t n = 0;
        ssize_t r;
        while ((r = read(rep[0], msg + n, sizeof msg - 1 - n)) != 0) {
            if (r < 0 && errno != EINTR)
                break;
            if (r > 0)
                n += (size_t)r;
        }
        msg[n] = '\0';
        if (n > 0)
            while (waitpid(m->child, NULL, 0) < 0 && errno == EINTR) {
            }
    }
    close(rep[0]);
    if (*msg) { /* RUNNING never happened: StartError, exit code 128 */
        close(out[0]);
        close(err[0]);
        now_rfc3339(m->finished_at);
        finish(m, 128, 0, "StartError", 0, msg);
    }
    now_rfc3339(m->started_at);
    m->child_alive = 1;
    m->out = (struct stream){.fd = out[0], .name = "stdout"};
    m->err = (struct stream){.fd = err[0], .name = "stderr"};
    snprintf(rec, sizeof rec, "pid=%d\nstarted_at=%s\n", (int)m->child, m->started_at);
    write_state("started", rec);
    snprintf(rec, sizeof rec, "started %s", sp->id);
    notify(m, rec);
}

static void reap(struct monitor *m, long long *deadline)
{
    int st;
    pid_t w;
    /* As a subreaper the monitor also collects orphaned descendants. */
    while ((w = waitpid(-1, &st, WNOHANG)) > 0) {
        if (w == m->child && m->child_alive) {
            m->child_alive = 0;
            m->status = st;
            now_rfc3339(m->finished_at);
            *deadline = monotonic_ms() + DRAIN_MS;
        }
    }
}

static void handle_control(struct monitor *m)
{
    char d[64];
    ssize_t n;
    while ((n = recv(m->ctlfd, d, sizeof d - 1, MSG_DONTWAIT)) >= 0) {
        d[n] = '\0';
        int sig;
        if (sscanf(d, "kill %d", &sig) != 1 || sig <= 0 || sig >= NSIG || !m->child_alive)
            continue;
        kill(m->child, sig);
        if (sig == SIGKILL && !m->sp->newpid)
            kill(-m->child, SIGKILL); /* no pid namespace: take its process group */
    }
}

/* Step 3: the event loop; returns when the child is gone and logs drained. */
static void monitor_loop(struct monitor *m)
{
    long long deadline = 0;
    for (;;) {
        int timeout = -1;
        if (!m->child_alive) {
            long long left = deadline - monotonic_ms();
            if ((m->out.fd < 0 && m->err.fd < 0) || left <= 0)
                return;
            timeout = (int)left;
        }
        struct pollfd p[4] = {{m->sigfd, POLLIN, 0}, {m->ctlfd, POLLIN, 0}, {m->out.fd, POLLIN, 0},
                              {m->err.fd, POLLIN, 0}};
        if (poll(p, 4, timeout) < 0) {
            if (errno == EINTR)
                continue;
            return;
        }
        if (p[0].revents) {
            struct signalfd_siginfo si;
            while (read(m->sigfd, &si, sizeof si) == (ssize_t)sizeof si) {
                if (si.ssi_signo == SIGCHLD)
                    reap(m, &deadline);
                else if ((si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT) && m->child_alive)
                    kill(m->child, (int)si.ssi_signo); /* forward, keep monitoring */
            }
        }
        if (p[1].revents)
            handle_control(m);
        if (p[2].revents)
            stream_read(&m->out, &m->log);
        if (p[3].revents)
            stream_read(&m->err, &m->log);
    }
}

/* Step 1 in the monitor: everything the launcher must be able to rely on. */
static const char *monitor_setup(struct monitor *m, int *devnull)
{
    struct spec *sp = m->sp;
    struct sockaddr_un a;
    sigset_t set;
    struct stat st;
    setsid();
    umask(022);
    if (chdir(sp->state_dir) < 0)
        return "chdir to state_dir";
    int mlog = open("monitor.log", O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if ((*devnull = open("/dev/null", O_RDWR | O_CLOEXEC)) < 0 || mlog < 0)
        return "open /dev/null or monitor.log";
    if (dup2(*devnull, 0) < 0 || dup2(*devnull, 1) < 0 || dup2(mlog, 2) < 0)
        return "redirect stdio";
    close(mlog);
    write_file("/proc/self/oom_score_adj", "-1000"); /* exits must not be lost to the OOM killer */
    prctl(PR_SET_CHILD_SUBREAPER, 1);
    sigemptyset(&set);
    sigaddset(&set, SIGCHLD);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    signal(SIGPIPE, SIG_IGN);
    if (sigprocmask(SIG_BLOCK, &set, NULL) < 0 ||
        (m->sigfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK)) < 0)
        return "signalfd";
    m->log = (struct logfile){.path = sp->log_path, .max_size = sp->log_max_size, .max_files = sp->log_max_files};
    if ((m->log.fd = open(sp->log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640)) < 0 ||
        fstat(m->log.fd, &st) < 0)
        return "open log_path";
    m->log.size = st.st_size;
    socklen_t alen = unix_addr("control.sock", &a);
    unlink("control.sock");
    if ((m->ctlfd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0)) < 0 ||
        bind(m->ctlfd, (struct sockaddr *)&a, alen) < 0)
        return "bind control.sock";
    m->notifyfd = -1;
    if (sp->notify_socket && (m->notify_len = unix_addr(sp->notify_socket, &m->notify_addr)) > 0)
        m->notifyfd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (sp->term_message_path) {
        int fd = open(TERM_LOG, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
        if (fd < 0 || fchmod(fd, 0666) < 0) /* any container user may write it */
            return "create termination-log";
        close(fd);
    }
    char pid[32];
    snprintf(pid, sizeof pid, "%d\n", (int)getpid());
    if (write_state("monitor.pid", pid) < 0)
        return "write monitor.pid";
    return NULL;
}

int main(int argc, char **argv)
{
    static struct spec sp;
    char err[256];
    if (argc != 2) {
        fprintf(stderr, "usage: tinykube-monitor SPEC_FILE\n");
        return 2;
    }
    close_range(3, ~0U, 0); /* nothing the launcher leaked may reach the container */
    if (parse_spec(argv[1], &sp, err, sizeof err) < 0) {
        fprintf(stderr, "tinykube-monitor: %s\n", err);
        return 2;
    }
    int ready[2];
    if (pipe2(ready, O_CLOEXEC) < 0) {
        perror("tinykube-monitor: pipe");
        return 1;
    }
    pid_t pid = fork();
    if (pid < 0) {
        perror("tinykube-monitor: fork");
        return 1;
    }
    if (pid > 0) { /* the launcher's side: wait for "ok", print the pid, go */
        close(ready[1]);
        ssize_t n = read(ready[0], err, sizeof err - 1);
        err[n > 0 ? n : 0] = '\0';
        if (strcmp(err, "ok")) {
            fprintf(stderr, "tinykube-monitor: %s\n", n > 0 ? err : "monitor died during startup");
            return 1;
        }
        printf("%d\n", (int)pid);
        return 0;
    }
    close(ready[0]);
    static struct monitor m;
    int devnull = -1;
    m.sp = &sp;
    m.out.fd = m.err.fd = -1;
    const char *what = monitor_setup(&m, &devnull);
    if (what) {
        snprintf(err, sizeof err, "%s: %s", what, strerror(errno));
        (void)!write(ready[1], err, strlen(err));
        return 1;
    }
    (void)!write(ready[1], "ok", 2);
    close(ready[1]);
    start_container(&m, devnull);
    close(devnull);
    monitor_loop(&m);
    if (m.out.fd >= 0)
        stream_close(&m.out, &m.log);
    if (m.err.fd >= 0)
        stream_close(&m.err, &m.log);
    if (m.child_alive) { /* cannot happen: the loop returns after the exit */
        now_rfc3339(m.finished_at);
        finish(&m, 128 + SIGKILL, SIGKILL, "Error", 0, "monitor lost its child");
    }
    int code = 0, sig = 0;
    if (WIFEXITED(m.status))
        code = WEXITSTATUS(m.status);
    else if (WIFSIGNALED(m.status))
        code = 128 + (sig = WTERMSIG(m.status));
    long long after = read_oom_kills(&sp);
    int oom = m.oom_before >= 0 && after > m.oom_before;
    finish(&m, code, sig, oom ? "OOMKilled" : code == 0 ? "Completed" : "Error", oom, "");
}
