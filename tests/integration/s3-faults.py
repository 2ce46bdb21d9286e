#!/usr/bin/python3
"""s3-faults: a small real HTTP server answering like an S3 bucket that
misbehaves on purpose, for what the fake S3 (tests/s3-fake.js) cannot do:
clock skew, throttling, a truncated page without a continuation token, a
DTD in a listing.  It checks no signature (tests/s3-fake.js does).

    /usr/bin/python3 tests/integration/s3-faults.py --out FILE

Stdlib only.  Prints "READY <port>" once it listens on 127.0.0.1.
Path-style buckets (GET /BUCKET?list-type=2...):

  /skew       403 <Code>RequestTimeTooSkewed</Code>
  /slow       503 <Code>SlowDown</Code> for the first two requests, then a
              listing of one object, app.sql
  /slowever   503 SlowDown, always
  /trunc      a listing with IsTruncated true and no NextContinuationToken
  /dtd        a listing with a DOCTYPE declaring an entity
  /token      page 1 truncated with NextContinuationToken "a+b/c==", page 2
              (continuation-token=a+b/c==) the last, with app.sql
  /denied     403 <Code>AccessDenied</Code>

Every request is appended to --out as one JSON line {"path", "headers"}
(the raw request target and the header names) before it is answered.
"""
import argparse
import json
import signal
import sys
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ap = argparse.ArgumentParser()
ap.add_argument("--out", required=True)
args = ap.parse_args()
lock = threading.Lock()
count = {}

HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n'
NS = ' xmlns="http://s3.amazonaws.com/doc/2006-03-01/"'


def listing(bucket, objs, truncated=False, token=None, day="26"):
    x = HEAD + "<ListBucketResult%s><Name>%s</Name><Prefix></Prefix>" % (NS, bucket)
    x += "<IsTruncated>%s</IsTruncated>" % ("true" if truncated else "false")
    if token is not None:
        x += "<NextContinuationToken>%s</NextContinuationToken>" % token
    for k in objs:
        x += ("<Contents><Key>%s</Key><LastModified>2026-11-%sT03:43:32.000Z"
              "</LastModified><Size>1234</Size></Contents>" % (k, day))
    return x + "</ListBucketResult>"


def error(code, msg):
    return HEAD + "<Error><Code>%s</Code><Message>%s</Message></Error>" % (code, msg)


class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def send(self, status, body):
        b = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/xml")
        self.send_header("Content-Length", str(len(b)))
        self.end_headers()
        self.wfile.write(b)

    def do_GET(self):
        with lock:
            with open(args.out, "a") as f:
                f.write(json.dumps({"path": self.path,
                                    "headers": sorted(k.lower() for k in self.headers.keys())}) + "\n")
        u = urllib.parse.urlsplit(self.path)
        bucket = u.path.strip("/").split("/")[0]
        q = urllib.parse.parse_qs(u.query)
        with lock:
            count[bucket] = count.get(bucket, 0) + 1
            n = count[bucket]
        if bucket == "skew":
            self.send(403, error("RequestTimeTooSkewed",
                                 "The difference between the request time and the current time is too large."))
        elif bucket == "slow" and n <= 2 or bucket == "slowever":
            self.send(503, error("SlowDown", "Please reduce your request rate."))
        elif bucket == "slow":
            self.send(200, listing(bucket, ["app.sql"]))
        elif bucket == "trunc":
            self.send(200, listing(bucket, ["a.sql"], truncated=True))
        elif bucket == "dtd":
            self.send(200, HEAD + '<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">]>'
                      + listing(bucket, ["&a;.sql"])[len(HEAD):])
        elif bucket == "token":
            if q.get("continuation-token") == ["a+b/c=="]:
                self.send(200, listing(bucket, ["app.sql"], day="27"))
            else:
                self.send(200, listing(bucket, ["old.sql"], truncated=True, token="a+b/c=="))
        elif bucket == "denied":
            self.send(403, error("AccessDenied", "Access Denied"))
        else:
            self.send(404, error("NoSuchBucket", "The specified bucket does not exist"))


srv = ThreadingHTTPServer(("127.0.0.1", 0), H)
srv.daemon_threads = True
signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))
print("READY %d" % srv.server_address[1], flush=True)
try:
    srv.serve_forever()
except (KeyboardInterrupt, SystemExit):
    pass
