#!/usr/bin/python3
"""http-faults: a small real HTTP server that misbehaves on purpose, for the
HTTP source tests (nginx cannot go silent mid-body or send less than its
Content-Length).

    /usr/bin/python3 tests/integration/http-faults.py --root DIR --out FILE

Stdlib only.  Prints "READY <port>" once it listens on 127.0.0.1 (a free
port).  Serves the files of --root, with Content-Length and Last-Modified,
under these paths:

  /ok/NAME           the whole file
  /stall/NAME        headers and the first half of the body, then silence
                     (the connection stays open until the server stops)
  /short/NAME        headers and the first half of the body, then it closes
  /short-late/NAME   the same, but it closes 1 s after the half (the client
                     has read the half and waits when the close comes)
  /stall-first/NAME  the first request for NAME: headers, then silence for
                     30 s; every later one: the whole file

Every request is appended to --out as one JSON line {"n", "path"} before it
is answered.  Stops on SIGTERM or SIGINT.
"""
import argparse
import email.utils
import json
import os
import signal
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ap = argparse.ArgumentParser()
ap.add_argument("--root", required=True)
ap.add_argument("--out", required=True)
args = ap.parse_args()

lock = threading.Lock()
seen = {}
count = [0]
stopping = threading.Event()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def do_GET(self):
        parts = self.path.split("/", 2)
        mode, name = (parts[1], parts[2]) if len(parts) == 3 else ("", "")
        with lock:
            count[0] += 1
            seen[self.path] = seen.get(self.path, 0) + 1
            first = seen[self.path] == 1
            with open(args.out, "a") as f:
                f.write(json.dumps({"n": count[0], "path": self.path}) + "\n")
        path = os.path.join(args.root, os.path.basename(name))
        if mode not in ("ok", "stall", "short", "short-late", "stall-first") or not os.path.isfile(path):
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        with open(path, "rb") as f:
            data = f.read()
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Last-Modified",
                         email.utils.formatdate(os.path.getmtime(path), usegmt=True))
        self.end_headers()
        self.wfile.flush()
        if mode == "stall-first" and first:
            stopping.wait(30)
            self.close_connection = True
            return
        if mode == "ok" or mode == "stall-first":
            self.wfile.write(data)
            return
        self.wfile.write(data[: len(data) // 2])
        self.wfile.flush()
        if mode == "stall":
            stopping.wait(600)
        elif mode == "short-late":
            stopping.wait(1)
        self.close_connection = True


srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
srv.daemon_threads = True


def stop(*_):
    stopping.set()
    threading.Thread(target=srv.shutdown, daemon=True).start()


signal.signal(signal.SIGTERM, stop)
signal.signal(signal.SIGINT, stop)
print("READY %d" % srv.server_address[1], flush=True)
srv.serve_forever(poll_interval=0.2)
