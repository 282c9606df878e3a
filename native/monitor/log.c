/* log.c — Docker's json-file log: one JSON object per chunk of output. */
#include "monitor.h"
#include "../include/protocol.h"

#include <stdio.h>
#include <string.h>

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

int log_chunk(int fd, int stream, const char *data, size_t len) {
  static char line[6 * 65536 + 256];
  if (fd < 0) return 0;
  if (len > 65536) len = 65536;
  char now[40];
  rfc3339_now(now, sizeof now);
  size_t n = (size_t)snprintf(line, sizeof line, "{\"log\":\"");
  n += json_escape(data, len, line + n);
  n += (size_t)snprintf(line + n, sizeof line - n, "\",\"stream\":\"%s\",\"time\":\"%s\"}\n",
                        stream == BERTH_STREAM_STDERR ? "stderr" : "stdout", now);
  return write_all(fd, line, n);
}
