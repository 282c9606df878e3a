/*
 * stdio.c — the container's stdin/stdout/stderr: pipes the monitor reads and
 * writes, /dev/null for a closed stdin, or a pty.  Also the sync channel's
 * message passing (with SCM_RIGHTS for the pty master).
 */
#include "monitor.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <termios.h>
#include <unistd.h>

int sync_send(int fd, int type, int code, const char *text, int pass_fd) {
  struct sync_msg msg = { .type = type, .code = code };
  snprintf(msg.text, sizeof msg.text, "%s", text ? text : "");
  struct iovec iov = { .iov_base = &msg, .iov_len = sizeof msg };
  union { struct cmsghdr h; char buf[CMSG_SPACE(sizeof(int))]; } control;
  struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
  if (pass_fd >= 0) {
    memset(&control, 0, sizeof control);
    mh.msg_control = control.buf;
    mh.msg_controllen = sizeof control.buf;
    struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(c), &pass_fd, sizeof(int));
  }
  ssize_t n;
  do n = sendmsg(fd, &mh, MSG_NOSIGNAL); while (n < 0 && errno == EINTR);
  return n < 0 ? -1 : 0;
}

int sync_recv(int fd, struct sync_msg *msg, int *fd_out) {
  struct iovec iov = { .iov_base = msg, .iov_len = sizeof *msg };
  union { struct cmsghdr h; char buf[CMSG_SPACE(sizeof(int))]; } control;
  struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf, .msg_controllen = sizeof control.buf };
  *fd_out = -1;
  ssize_t n;
  do n = recvmsg(fd, &mh, MSG_CMSG_CLOEXEC); while (n < 0 && errno == EINTR);
  if (n <= 0) return (int)n;
  for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c))
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) memcpy(fd_out, CMSG_DATA(c), sizeof(int));
  msg->text[sizeof msg->text - 1] = 0;
  return 1;
}

static int make_pipe(int fds[2], berth_error *err) {
  if (pipe2(fds, O_CLOEXEC) < 0) return berth_fail(err, errno, "pipe2 `stdio`");
  return 0;
}

static int nonblock(int fd) {
  int flags = fcntl(fd, F_GETFL);
  return flags < 0 ? -1 : fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}

static void set_size(int fd, const struct spec *s) {
  if (s->tty_rows <= 0 || s->tty_cols <= 0) return;
  struct winsize ws = { .ws_row = (unsigned short)s->tty_rows, .ws_col = (unsigned short)s->tty_cols };
  ioctl(fd, TIOCSWINSZ, &ws);
}

/* Opens a pty master at ptmx and its slave; both CLOEXEC. */
static int open_pty(const char *ptmx, int *master, int *slave, berth_error *err) {
  char name[128];
  *master = open(ptmx, O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (*master < 0) return berth_fail(err, errno, "open `%s`", ptmx);
  if (unlockpt(*master) < 0 || ptsname_r(*master, name, sizeof name) != 0) {
    int e = errno;
    close(*master);
    return berth_fail(err, e, "unlockpt `%s`", ptmx);
  }
  *slave = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (*slave < 0) {
    int e = errno;
    close(*master);
    return berth_fail(err, e, "open `%s`", name);
  }
  return 0;
}

static int stdio_prepare_pipes(const struct spec *s, struct stdio_plan *p, berth_error *err) {
  int in[2], out[2], errp[2];
  if (s->stdin_open) {
    if (make_pipe(in, err) < 0) return -1;
    p->child_in = in[0], p->in_w = in[1];
  } else {
    p->child_in = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (p->child_in < 0) return berth_fail(err, errno, "open `/dev/null`");
  }
  if (make_pipe(out, err) < 0) return -1;
  p->out_r = out[0], p->child_out = out[1];
  if (make_pipe(errp, err) < 0) return -1;
  p->err_r = errp[0], p->child_err = errp[1];
  if (p->in_w >= 0) nonblock(p->in_w);
  nonblock(p->out_r);
  nonblock(p->err_r);
  return 0;
}

int stdio_prepare(const struct spec *s, struct stdio_plan *p, berth_error *err) {
  *p = (struct stdio_plan){ -1, -1, -1, -1, -1, -1, -1, -1 };
  if (!s->tty) return stdio_prepare_pipes(s, p, err);
  if (strcmp(s->mode, "command") != 0) return 0; /* the native init opens its pty inside the container */
  if (open_pty("/dev/ptmx", &p->pty, &p->pty_slave, err) < 0) return -1;
  set_size(p->pty, s);
  nonblock(p->pty);
  return 0;
}

void stdio_close_child_ends(struct stdio_plan *p) {
  int *fds[] = { &p->child_in, &p->child_out, &p->child_err, &p->pty_slave };
  for (size_t i = 0; i < sizeof fds / sizeof *fds; i++)
    if (*fds[i] >= 0) close(*fds[i]), *fds[i] = -1;
}

/* setsid, TIOCSCTTY and the slave on 0/1/2. */
static int controlling_tty(int slave, uid_t uid, berth_error *err) {
  if (setsid() < 0) return berth_fail(err, errno, "setsid `tty`");
  if (ioctl(slave, TIOCSCTTY, 0) < 0) return berth_fail(err, errno, "ioctl TIOCSCTTY `tty`");
  if (fchown(slave, uid, (gid_t)-1) < 0) return berth_fail(err, errno, "fchown `tty`");
  for (int fd = 0; fd < 3; fd++)
    if (dup2(slave, fd) < 0) return berth_fail(err, errno, "dup2 `tty`");
  if (slave > 2) close(slave);
  return 0;
}

int stdio_child_apply(const struct stdio_plan *p, uid_t uid, berth_error *err) {
  if (p->pty_slave >= 0) return controlling_tty(p->pty_slave, uid, err);
  int from[3] = { p->child_in, p->child_out, p->child_err };
  for (int fd = 0; fd < 3; fd++)
    if (from[fd] >= 0 && dup2(from[fd], fd) < 0) return berth_fail(err, errno, "dup2 `fd %d`", fd);
  return 0;
}

int stdio_container_pty(const struct spec *s, int *master, berth_error *err) {
  int slave;
  const char *ptmx = access("/dev/pts/ptmx", F_OK) == 0 ? "/dev/pts/ptmx" : "/dev/ptmx";
  if (open_pty(ptmx, master, &slave, err) < 0) return -1;
  set_size(*master, s);
  if (controlling_tty(slave, s->uid, err) < 0) {
    close(*master);
    return -1;
  }
  return 0;
}
