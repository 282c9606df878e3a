# The demo app of the zero-downtime deployment: says which version answers,
# can be asked to work a while (/?work=MS), and on SIGTERM stops accepting,
# finishes the requests in flight, and exits 0, so a deploy loses nothing.
import http.server
import os
import signal
import sys
import threading
import time

VERSION = os.environ.get("APP_VERSION", "v1")
PORT = int(os.environ.get("PORT", "8000"))
draining = threading.Event()


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        path, _, query = self.path.partition("?")
        if path == "/healthz":
            self.reply(503 if draining.is_set() else 200, "draining\n" if draining.is_set() else "ok\n")
            return
        params = dict(p.split("=", 1) for p in query.split("&") if "=" in p)
        work = min(int(params.get("work", "0") or 0), 5000)
        if work:
            time.sleep(work / 1000)
        self.reply(200, f"hello from app {VERSION} (host {os.uname().nodename})\n")

    def reply(self, status, body):
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("X-App-Version", VERSION)
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format, *args):
        pass


class Server(http.server.ThreadingHTTPServer):
    # server_close() joins the request threads: in-flight requests finish.
    daemon_threads = False
    block_on_close = True


server = Server(("", PORT), Handler)


def on_term(signum, frame):
    print(f"app {VERSION}: SIGTERM, finishing the requests in flight", flush=True)
    draining.set()
    # shutdown() waits for serve_forever to return: not from its own thread.
    threading.Thread(target=server.shutdown).start()


signal.signal(signal.SIGTERM, on_term)
signal.signal(signal.SIGINT, on_term)
print(f"app {VERSION} listening on :{PORT}", flush=True)
server.serve_forever()
server.server_close()
print(f"app {VERSION}: drained, bye", flush=True)
sys.exit(0)
