#!/usr/bin/python3
"""webhook-sink: a small real HTTP(S) receiver for the alert and ping tests.

    /usr/bin/python3 tests/integration/webhook-sink.py --port 0 --out FILE \
        [--status N] [--fail-first N] [--delay S] [--location URL] \
        [--tls CERT KEY] [--address 127.0.0.1]

Stdlib only.  Prints "READY <port>" on stdout once it listens (--port 0
picks a free port).  Every request (any method, any path) is appended to
--out as one JSON line, written and flushed BEFORE the response is sent (so
once a client has its answer, the record is on disk):

  {"n": 1, "time": 1795664769.37, "method": "POST", "path": "/hook?x=1",
   "version": "HTTP/1.1", "headers": {"Content-Type": "application/json", ...},
   "body": "<the body as UTF-8 text>", "body_b64": null}

(body is null and body_b64 set when the body is not valid UTF-8; chunked
request bodies are decoded.)

  --status N      answer N (default 200; 302 when only --location is given)
  --fail-first N  answer 500 to the first N requests, --status after that
  --delay S       wait S seconds (after recording) before answering
  --location URL  send "Location: URL" (for a redirect test)
  --tls CERT KEY  serve HTTPS with this certificate and key (PEM files)

Stops on SIGTERM or SIGINT (within about half a second).
"""
import argparse
import base64
import json
import signal
import ssl
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ap = argparse.ArgumentParser(description="record HTTP requests as JSON lines")
ap.add_argument("--address", default="127.0.0.1")
ap.add_argument("--port", type=int, default=0)
ap.add_argument("--out", required=True)
ap.add_argument("--status", type=int, default=None)
ap.add_argument("--fail-first", type=int, default=0)
ap.add_argument("--delay", type=float, default=0.0)
ap.add_argument("--location", default=None)
ap.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"), default=None)
args = ap.parse_args()
if args.status is None:
    args.status = 302 if args.location else 200

lock = threading.Lock()
count = 0
out = open(args.out, "a", encoding="utf-8")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "webhook-sink/1"

    def setup(self):
        super().setup()
        if args.tls:
            # The handshake runs here, in this connection's thread, so a
            # client that refuses the certificate never blocks the server.
            self.request.do_handshake()

    def _read_body(self):
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            body = b""
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return body
                body += self.rfile.read(size)
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _handle(self):
        global count
        body = self._read_body()
        with lock:
            count += 1
            n = count
            rec = {"n": n, "time": time.time(), "method": self.command,
                   "path": self.path, "version": self.request_version,
                   "headers": dict(self.headers.items())}
            try:
                rec["body"], rec["body_b64"] = body.decode("utf-8"), None
            except UnicodeDecodeError:
                rec["body"], rec["body_b64"] = None, base64.b64encode(body).decode()
            out.write(json.dumps(rec) + "\n")
            out.flush()
        if args.delay:
            time.sleep(args.delay)
        status = 500 if n <= args.fail_first else args.status
        payload = b'{"ok":%s}\n' % (b"true" if status < 300 else b"false")
        try:
            self.send_response(status)
            if args.location and 300 <= status < 400:
                self.send_header("Location", args.location)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(payload)
        except OSError:
            pass  # the client gave up (a timeout test)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _handle

    def log_message(self, fmt, *a):  # keep stderr quiet
        pass


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request, client_address):
        pass  # TLS handshake failures, resets: expected in some tests


srv = Server((args.address, args.port), Handler)
if args.tls:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(args.tls[0], args.tls[1])
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True,
                                 do_handshake_on_connect=False)


def stop(*_):
    threading.Thread(target=srv.shutdown, daemon=True).start()


signal.signal(signal.SIGTERM, stop)
signal.signal(signal.SIGINT, stop)
print(f"READY {srv.server_address[1]}", flush=True)
srv.serve_forever(poll_interval=0.2)
out.close()
sys.exit(0)
