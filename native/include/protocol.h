/*
 * protocol.h — what the TypeScript engine and the C monitor say to each other.
 * src/engine/runtime/protocol.ts mirrors every name and number here; a test
 * (test/engine/runtime/protocol.ts) parses this file and checks they agree.
 *
 * 1. The spec.  The engine writes <container dir>/spec before it starts the
 *    monitor: a sequence of records "KEY\0VALUE\0".  Keys marked [n] may repeat
 *    (in order).  Fields inside one value are separated by BERTH_SEP (0x1f).
 *    Every path, id, flag, capability and limit comes from the spec; what the
 *    C does decide is what must be decided while no engine process runs (the
 *    engine is a CLI, not a daemon): when to restart and how long to wait
 *    (section 7), when to probe and what a probe's result makes the status
 *    (section 6, with the spec's numbers), when to rotate the log (section 5).
 *    native/README.md ("What the C decides") lists each with its reason.
 *
 * 2. The ready line.  The engine starts `berth-monitor <container dir>` with
 *    fd 3 open for writing.  The monitor writes exactly one line to it and
 *    closes it:  "ok <host pid of the container process>\n"  or
 *    "error <message>\n" (then exits non-zero).
 *
 * 3. The attach socket (unix stream, path from BERTH_KEY_SOCKET).  Many clients.
 *    monitor -> client: with a tty, the raw terminal output; without, frames of
 *    an 8-byte header [stream, 0, 0, 0, size as uint32 big-endian] and `size`
 *    bytes (stream 1 stdout, 2 stderr), as Docker's attach does.
 *    client -> monitor: raw bytes for the container's stdin.  ctrl-p ctrl-q
 *    (BERTH_DETACH_1, BERTH_DETACH_2) detaches that client: the monitor closes
 *    its connection.  A client that half-closes its side (EOF) closes the
 *    container's stdin when stdin_once is set.
 *
 * 4. The exit file (path from BERTH_KEY_EXIT), written atomically (temp file +
 *    rename) once the container process has been reaped and its output drained:
 *    {"exitCode":N,"signal":S,"finishedAt":"2026-01-02T03:04:05.123456789Z","error":"..."}
 *    signal is 0 unless the process was killed by one (exitCode is then 128+S);
 *    error is "" unless the process could not be started (exitCode 126 or 127).
 *
 * 5. The log (path from BERTH_KEY_LOG): one JSON object per line of output,
 *    as Docker's json-file driver writes it:
 *    {"log":"hello\n","stream":"stdout","time":"2026-01-02T03:04:05.123456789Z"}
 *    A line longer than 16 KiB is written in pieces (no "\n" but in the last);
 *    the rest of a line is written when its stream ends.  It continues across
 *    restarts.  With log_max_size, before a line would take the file past it the
 *    monitor renames <log>.N-1 to <log>.N ... <log> to <log>.1 and starts a new
 *    <log>, keeping log_max_file files in all (1: the file is truncated).
 *
 * 6. The health file (path from BERTH_KEY_HEALTH_FILE), written atomically at
 *    start and after every probe, in Docker's shape (the last 5 probes, Output
 *    cut at 4096 bytes; a probe killed at the timeout has ExitCode -1):
 *    {"Status":"starting|healthy|unhealthy","FailingStreak":N,
 *     "Log":[{"Start":"...","End":"...","ExitCode":0,"Output":"..."}]}
 *    The first probe runs one interval after the process started.  Exit 0 is
 *    healthy (streak reset); any other code, or the timeout, is a failure that
 *    counts unless the status is still "starting" and the probe began within the
 *    start period; `health_retries` failures in a row make it unhealthy.  After a
 *    restart the status is "starting" again.
 *
 * 7. Restarts.  When the process exits (not a failure to exec) and the file
 *    BERTH_KEY_STOP_FLAG does not exist, the monitor starts the same spec again
 *    if restart_policy says so: "always" and "unless-stopped" always,
 *    "on-failure" when the exit code is not 0 and fewer than restart_max (0: no
 *    limit) restarts were made; "no" (or none) never.  Between two runs it waits
 *    100 ms, doubled at each restart, back to 100 ms when the process ran 10 s or
 *    more, at most 1 minute; the stop flag ends the wait.  The pidfile says
 *    container pid 0 meanwhile.  The restart file (path from
 *    BERTH_KEY_RESTART_COUNT) is written atomically at each start and exit:
 *    {"count":N,"restarting":0|1,"exitCode":N,"startedAt":"...","finishedAt":"..."}
 *    Attach clients stay connected across restarts; only the last exit writes
 *    the exit file and runs exit_cmd.
 *
 * 8. Seccomp.  With a seccomp_default record the monitor compiles the
 *    seccomp_* records with libseccomp once at start-up (a failure is the ready
 *    line's error; with seccomp_cache, a program compiled earlier from the same
 *    records is read instead: libseccomp takes ~20 ms for Docker's profile on
 *    three x86 ABIs, reading it back ~0.05 ms) and writes the BPF program (struct sock_filter[]) to
 *    seccomp_file atomically, before the ready line.  The container init loads
 *    it as its very last step before exec (after no_new_privs and the
 *    capability drop; without no_new_privs before the drop, as runc does); a
 *    load failure is an exec error (126).  Health probes get the same program;
 *    berth-exec --seccomp FILE loads seccomp_file the same way.
 *
 * 9. berth-exec's options (native/monitor/exec.c), the BERTH_EXEC_OPT_* below:
 *      berth-exec --pid PID [--ns LIST] [--cgroup PATH]... [--uid N] [--gid N]
 *                 [--group N]... [--cwd DIR] [--env K=V]... [--cap N]...
 *                 [--no-new-privs] [--seccomp FILE] -- ARGV...
 *    The engine builds them with execArgv (protocol.ts).  Exit codes: 125 could
 *    not enter, 126 cannot invoke, 127 not found, else the process's own.
 *
 * 10. berth-proxy's options (native/proxy/proxy.c), the BERTH_PROXY_OPT_* below:
 *      berth-proxy --proto tcp|udp --host-ip IP --host-port N --container-ip IP
 *                  --container-port N [--ready-fd FD] [--udp-idle-timeout SECONDS]
 *    The engine builds them with proxyArgv (protocol.ts).  The ready fd gets
 *    "ok\n" or "error <message>\n", as the monitor's ready line.
 *
 * The JSON files of sections 4, 6 and 7 are written with the printf formats
 * BERTH_EXIT_JSON, BERTH_HEALTH_JSON_* and BERTH_RESTART_JSON below; the test
 * fills them in, parses them, and checks their fields against protocol.ts.
 */
#ifndef BERTH_PROTOCOL_H
#define BERTH_PROTOCOL_H

#define BERTH_SEP '\x1f'
#define BERTH_SPEC_FILE "spec"
#define BERTH_READY_FD 3
#define BERTH_DETACH_1 0x10 /* ctrl-p */
#define BERTH_DETACH_2 0x11 /* ctrl-q */
#define BERTH_STREAM_STDOUT 1
#define BERTH_STREAM_STDERR 2

/* How the monitor starts the container process. */
#define BERTH_KEY_MODE "mode"            /* "native": clone + init below; "command": fork + exec arg[] on the host (runc) */
#define BERTH_KEY_ARG "arg"              /* [n] argv of the process */
#define BERTH_KEY_ENV "env"              /* [n] KEY=VALUE; PATH from here is used to find arg[0] */
#define BERTH_KEY_CWD "cwd"              /* working directory inside the rootfs */
#define BERTH_KEY_ROOTFS "rootfs"        /* host path of the mounted rootfs */
#define BERTH_KEY_HOSTNAME "hostname"
#define BERTH_KEY_NAMESPACE "ns"         /* [n] one of: pid mount uts ipc net cgroup */
#define BERTH_KEY_NAMESPACE_PATH "ns_path" /* [n] type SEP path: join that namespace (setns) instead of creating it;
                                            * type as for ns, e.g. "net\x1f/run/netns/x" or "net\x1f/proc/123/ns/net" */
#define BERTH_KEY_CGROUP "cgroup"        /* [n] host path of a cgroup.procs file to join */
#define BERTH_KEY_MOUNT "mount"          /* [n] source SEP target SEP fstype SEP flags(decimal) SEP data; target inside rootfs */
#define BERTH_KEY_DEVICE "device"        /* [n] path SEP c|b SEP major SEP minor SEP mode(octal) */
#define BERTH_KEY_SYMLINK "symlink"      /* [n] target SEP linkpath, made after mounts */
#define BERTH_KEY_MASKED "masked"        /* [n] path bound over by /dev/null (file) or an empty read-only tmpfs (dir) */
#define BERTH_KEY_READONLY "readonly"    /* [n] path remounted read-only */
#define BERTH_KEY_ROOTFS_READONLY "rootfs_readonly" /* "1": remount the root read-only once everything is mounted (--read-only) */
#define BERTH_KEY_UID "uid"
#define BERTH_KEY_GID "gid"
#define BERTH_KEY_GROUP "group"          /* [n] supplementary gid */
#define BERTH_KEY_CAP "cap"              /* [n] capability number kept in bounding/effective/permitted sets (uid 0) */
#define BERTH_KEY_NO_NEW_PRIVS "no_new_privs" /* "1" to set PR_SET_NO_NEW_PRIVS */
#define BERTH_KEY_LOOPBACK_UP "lo_up"    /* "1" to bring up lo in a new net namespace */
#define BERTH_KEY_TTY "tty"              /* "1": a pty is the process's stdio */
#define BERTH_KEY_TTY_ROWS "tty_rows"
#define BERTH_KEY_TTY_COLS "tty_cols"
#define BERTH_KEY_STDIN "stdin"          /* "1": keep stdin open (a pipe fed by attach clients); else /dev/null */
#define BERTH_KEY_STDIN_ONCE "stdin_once" /* "1": close stdin when an attached client sends EOF */
#define BERTH_KEY_WAIT_ATTACH "wait_attach" /* "1": do not start the process until one client has attached */
#define BERTH_KEY_LOG "log"              /* path of the json log */
#define BERTH_KEY_LOG_MAX_SIZE "log_max_size" /* bytes (decimal): rotate the log before a line would take it past this; none: never */
#define BERTH_KEY_LOG_MAX_FILE "log_max_file" /* files kept in all, the current one included (default 1: truncate instead) */
#define BERTH_KEY_SOCKET "socket"        /* path of the attach socket */
#define BERTH_KEY_EXIT "exit"            /* path of the exit file */
#define BERTH_KEY_PIDFILE "pidfile"      /* path where the monitor writes "<monitor pid> <container pid>\n" */
#define BERTH_KEY_EXIT_CMD "exit_cmd"    /* [n] argv run (detached, stdio to /dev/null) after the exit file is written */

/* Health probes (section 6): run inside the container's namespaces and cgroups, as its user, with its env and cwd. */
#define BERTH_KEY_HEALTH_CMD "health_cmd"  /* [n] argv of the probe; none: no health checks */
#define BERTH_KEY_HEALTH_INTERVAL "health_interval_ms" /* these three are required with health_cmd, each above 0: */
#define BERTH_KEY_HEALTH_TIMEOUT "health_timeout_ms"   /* the engine gives Docker's defaults (30 s, 30 s, 3), */
#define BERTH_KEY_HEALTH_RETRIES "health_retries"      /* the monitor has none (its ready line is an error without them) */
#define BERTH_KEY_HEALTH_START_PERIOD "health_start_period_ms"
#define BERTH_KEY_HEALTH_FILE "health_file" /* path of the health file */
#define BERTH_KEY_HEALTH_ON_HOST "health_on_host" /* "1": run health_cmd on the host as is (runc: `runc exec ...`) */

/* Restarts (section 7). */
#define BERTH_KEY_RESTART_POLICY "restart_policy" /* no | always | on-failure | unless-stopped */
#define BERTH_KEY_RESTART_MAX "restart_max"   /* on-failure: at most this many restarts (0: no limit) */
#define BERTH_KEY_RESTART_COUNT "restart_count" /* path of the restart file */
#define BERTH_KEY_STOP_FLAG "stop_flag"       /* path: when this file exists, the process is not restarted */

/* Seccomp (section 8).  No seccomp_default record: no filter. */
#define BERTH_KEY_SECCOMP_DEFAULT "seccomp_default" /* action SEP errno: the default action; action one of allow errno
                                                      * kill_thread kill_process trap trace log, errno for errno/trace (else 0) */
#define BERTH_KEY_SECCOMP_ARCH "seccomp_arch"       /* [n] libseccomp architecture name: x86_64 x86 x32 aarch64 ... */
#define BERTH_KEY_SECCOMP_RULE "seccomp_rule"       /* [n] syscall SEP action SEP errno, then per comparison SEP index SEP op
                                                      * SEP value SEP value2 (op ne lt le eq ge gt masked_eq; all ANDed);
                                                      * one libseccomp rule, names it does not know are skipped */
#define BERTH_KEY_SECCOMP_FILE "seccomp_file"       /* path where the monitor writes the compiled program (mode 0600) */
#define BERTH_KEY_SECCOMP_CACHE "seccomp_cache"     /* path of the program compiled from exactly these records (the engine
                                                      * names it by their hash): read instead of compiling when it is
                                                      * there, written after compiling */

/* berth-exec's long options (section 9). */
#define BERTH_EXEC_OPT_PID "pid"                   /* host pid of the container's init */
#define BERTH_EXEC_OPT_NAMESPACES "ns"             /* comma-separated ns types to join; default: every one that differs */
#define BERTH_EXEC_OPT_CGROUP "cgroup"             /* [n] cgroup.procs path to join */
#define BERTH_EXEC_OPT_UID "uid"
#define BERTH_EXEC_OPT_GID "gid"
#define BERTH_EXEC_OPT_GROUP "group"               /* [n] supplementary gid */
#define BERTH_EXEC_OPT_CWD "cwd"                   /* default / */
#define BERTH_EXEC_OPT_ENV "env"                   /* [n] KEY=VALUE: the whole environment */
#define BERTH_EXEC_OPT_CAP "cap"                   /* [n] capability number kept */
#define BERTH_EXEC_OPT_NO_NEW_PRIVS "no-new-privs" /* no argument */
#define BERTH_EXEC_OPT_SECCOMP "seccomp"           /* the container's compiled filter (its seccomp_file) */

/* berth-proxy's long options (section 10). */
#define BERTH_PROXY_OPT_PROTO "proto"                       /* tcp | udp */
#define BERTH_PROXY_OPT_HOST_IP "host-ip"
#define BERTH_PROXY_OPT_HOST_PORT "host-port"
#define BERTH_PROXY_OPT_CONTAINER_IP "container-ip"
#define BERTH_PROXY_OPT_CONTAINER_PORT "container-port"
#define BERTH_PROXY_OPT_READY_FD "ready-fd"
#define BERTH_PROXY_OPT_UDP_IDLE_TIMEOUT "udp-idle-timeout" /* seconds, default 60 */

/* The JSON files (sections 4, 6, 7), as printf formats. */
#define BERTH_EXIT_JSON "{\"exitCode\":%d,\"signal\":%d,\"finishedAt\":\"%s\",\"error\":\"%s\"}\n"
#define BERTH_HEALTH_JSON_HEAD "{\"Status\":\"%s\",\"FailingStreak\":%d,\"Log\":["
#define BERTH_HEALTH_JSON_ENTRY "%s{\"Start\":\"%s\",\"End\":\"%s\",\"ExitCode\":%d,\"Output\":\"%s\"}" /* first %s: "," between entries */
#define BERTH_HEALTH_JSON_TAIL "]}\n"
#define BERTH_RESTART_JSON "{\"count\":%d,\"restarting\":%d,\"exitCode\":%d,\"startedAt\":\"%s\",\"finishedAt\":\"%s\"}\n"

#endif
