/* log.c — Docker's json-file log: one JSON object per line of output.
 *
 * As Docker's copier: output is split at "\n" (the newline stays in the
 * entry); a line longer than LOG_LINE_MAX is written in pieces without the
 * newline; what is left of a line when its stream ends is written then.
 *
 * Rotation (--log-opt max-size, max-file; protocol.h section 5): when writing
 * a line would take the file past max-size, <log>.N-1 -> <log>.N ... <log> ->
 * <log>.1 (renames: a reader holding a file keeps reading it whole), then a
 * new <log>.  With max-file 1 the file is truncated instead.  Lines are never
 * split across files.
 */
#include "monitor.h"
#include "../include/protocol.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define LOG_LINE_MAX 16384

struct log_state {
  const char *path;
  unsigned long long max_size; /* 0: no limit */
  int max_file;
  unsigned long long size;
  char pending[2][LOG_LINE_MAX]; /* stdout, stderr: a line not yet ended */
  size_t npending[2];
};

static struct log_state state;

size_t json_escape(const char *in, size_t len, char *out) {
  static const char hex[] = "0123456789abcdef";
  size_t o = 0;
  for (size_t i = 0; i < len; i++) {
    unsigned char ch = (unsigned char)in[i];
    const char *short_form = NULL;
    switch (ch) {
    case '"': short_form = "\\\""; break;
    case '\\': short_form = "\\\\"; break;
    case '\n': short_form = "\\n"; break;
    case '\t': short_form = "\\t"; break;
    case '\r': short_form = "\\r"; break;
    case '\b': short_form = "\\b"; break;
    case '\f': short_form = "\\f"; break;
    }
    if (short_form) {
      out[o++] = short_form[0], out[o++] = short_form[1];
    } else if (ch < 0x20 || ch == 0x7f) {
      memcpy(out + o, "\\u00", 4);
      out[o + 4] = hex[ch >> 4], out[o + 5] = hex[ch & 15];
      o += 6;
    } else {
      out[o++] = (char)ch;
    }
  }
  out[o] = 0;
  return o;
}

int log_open(const struct spec *s, berth_error *err) {
  memset(&state, 0, sizeof state);
  state.path = s->log;
  state.max_file = s->log_max_file > 0 ? s->log_max_file : 1;
  if (s->log_max_size && s->log_max_size[0]) {
    char *end;
    errno = 0;
    long long v = strtoll(s->log_max_size, &end, 10);
    if (errno || *end) return berth_fail(err, EINVAL, "spec `%s`: not a number: \"%s\"", BERTH_KEY_LOG_MAX_SIZE, s->log_max_size);
    state.max_size = v > 0 ? (unsigned long long)v : 0;
  }
  int fd = open(s->log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
  if (fd < 0) return berth_fail(err, errno, "open `%s`", s->log);
  struct stat st;
  if (fstat(fd, &st) == 0) state.size = (unsigned long long)st.st_size;
  return fd;
}

/* Makes room for a line of `len` bytes; on failure the old file is kept (a full disk must not lose the log). */
static void rotate_if_needed(int *fd, size_t len) {
  if (!state.max_size || state.size == 0 || state.size + len <= state.max_size) return;
  if (state.max_file <= 1) {
    if (ftruncate(*fd, 0) == 0) state.size = 0;
    return;
  }
  char from[4096], to[4096];
  for (int i = state.max_file - 1; i >= 1; i--) {
    if (i == 1) snprintf(from, sizeof from, "%s", state.path);
    else snprintf(from, sizeof from, "%s.%d", state.path, i - 1);
    snprintf(to, sizeof to, "%s.%d", state.path, i);
    if (i == 1) {
      /* the new file first, under a temporary name, so that <log> is missing only between two renames */
      char fresh[4096];
      snprintf(fresh, sizeof fresh, "%s.new", state.path);
      int nfd = open(fresh, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0640);
      if (nfd < 0) return;
      if (rename(from, to) < 0) {
        close(nfd);
        unlink(fresh);
        return;
      }
      if (rename(fresh, state.path) < 0) { /* keep writing the old file, now <log>.1 */
        close(nfd);
        unlink(fresh);
        return;
      }
      close(*fd);
      *fd = nfd;
      state.size = 0;
      return;
    }
    if (rename(from, to) < 0 && errno != ENOENT) return;
  }
}

static int write_entry(int *fd, int stream, const char *data, size_t len) {
  static char line[6 * LOG_LINE_MAX + 256];
  char now[40];
  rfc3339_now(now, sizeof now);
  size_t n = (size_t)snprintf(line, sizeof line, "{\"log\":\"");
  n += json_escape(data, len, line + n);
  n += (size_t)snprintf(line + n, sizeof line - n, "\",\"stream\":\"%s\",\"time\":\"%s\"}\n",
                        stream == BERTH_STREAM_STDERR ? "stderr" : "stdout", now);
  rotate_if_needed(fd, n);
  if (write_all(*fd, line, n) < 0) return -1;
  state.size += n;
  return 0;
}

int log_chunk(int *fd, int stream, const char *data, size_t len) {
  if (*fd < 0) return 0;
  int s = stream == BERTH_STREAM_STDERR ? 1 : 0;
  char *pending = state.pending[s];
  size_t *np = &state.npending[s];
  int rc = 0;
  while (len > 0) {
    const char *nl = memchr(data, '\n', len);
    size_t piece = nl ? (size_t)(nl - data) + 1 : len;
    size_t room = LOG_LINE_MAX - *np;
    if (piece > room) piece = room;
    if (*np == 0 && nl && piece == (size_t)(nl - data) + 1) {
      if (write_entry(fd, stream, data, piece) < 0) rc = -1; /* a whole line: straight out */
    } else {
      memcpy(pending + *np, data, piece);
      *np += piece;
      if (pending[*np - 1] == '\n' || *np == LOG_LINE_MAX) {
        if (write_entry(fd, stream, pending, *np) < 0) rc = -1;
        *np = 0;
      }
    }
    data += piece;
    len -= piece;
  }
  return rc;
}

int log_flush(int *fd, int stream) {
  int s = stream == BERTH_STREAM_STDERR ? 1 : 0;
  if (*fd < 0 || state.npending[s] == 0) return 0;
  int rc = write_entry(fd, stream, state.pending[s], state.npending[s]);
  state.npending[s] = 0;
  return rc;
}
