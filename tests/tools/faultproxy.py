#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""HTTP/1.1 reverse proxy with fault injection, for the integration tests.

Listens on 127.0.0.1, forwards every request to --upstream (a registry),
streams bodies both ways in 64 KiB chunks, rewrites Location headers that
point at the upstream to the proxy, and logs every request as one JSON line
(method, path, status, bytes, auth, range, fault) to --log.

Faults come from a JSON rules file (--rules), re-read whenever it changes;
rewriting the file resets the counters.  The file holds a list of rules (or
{"rules": [...]}); the first rule that matches a request and has
applications left is applied, one per request:

  {"method": "GET", "path": "/blobs/sha256:", "action": "cut",
   "bytes": 1000, "times": 1, "skip": 0}

  method   regex matched in full against the method, case-insensitive
           (default: any)
  path     regex searched in the request target, path and query
           (default: any)
  times    how many times to apply it (default: unlimited)
  skip     let this many matching requests through first (default 0)
  ignore_range  true: also drop Range and If-Range, as "ignore-range"
           does, for an action that forwards the request (cut, truncate,
           corrupt, delay, headers): a server that cannot resume
  action   one of:
    cut              send status, headers (full Content-Length) and the
                     first "bytes" bytes of the body (default 0), then close
    truncate         like cut, but send all but the last "bytes" bytes
                     (default 1)
    status           answer "code" (default 503) without asking upstream,
                     with "retry_after" seconds if given, a registry error
                     body {"errors":[{"code": "error_code", ...}]} or "body"
    corrupt          flip "count" bytes (default 1) of the body starting at
                     "offset" (default: the middle; negative: from the end)
    delay            sleep "seconds" before forwarding, or, with "bytes",
                     after sending that many bytes of the body
    ignore-range     drop Range and If-Range so upstream answers in full
    redirect-offhost answer "code" (default 307) with Location "url" plus
                     the request target ("keep_path": false: "url" alone)
    headers          forward, then "set" ({name: value}) and "del" ([names])
                     response headers
    drop             close the connection without answering

With --upstream-auth USER:PASS the proxy removes the client's Authorization
and authenticates to upstream itself (Basic, or the Bearer token flow when
upstream asks for it): a stand-in for an off-host blob store that needs no
client credentials.  Stops on SIGTERM/SIGINT and after --max-seconds.
"""

import argparse
import base64
import http.client
import json
import os
import re
import signal
import socket
import sys
import threading
import time
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

CHUNK = 65536
HOP = {"connection", "keep-alive", "proxy-connection", "proxy-authenticate",
       "proxy-authorization", "te", "trailer", "trailers",
       "transfer-encoding", "upgrade", "expect"}
ACTIONS = {"cut", "truncate", "status", "corrupt", "delay", "ignore-range",
           "redirect-offhost", "headers", "drop"}
ERROR_CODES = {401: "UNAUTHORIZED", 403: "DENIED", 404: "BLOB_UNKNOWN",
               429: "TOOMANYREQUESTS", 500: "UNKNOWN", 502: "UNAVAILABLE",
               503: "UNAVAILABLE", 504: "UNAVAILABLE"}


class Rules:
    """The rules file, its counters, reloaded when the file changes."""

    def __init__(self, path):
        self.path = path
        self.lock = threading.Lock()
        self.stamp = None
        self.rules = []
        self.seen = []
        self.applied = []
        self.error = None

    def _reload(self):
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            stamp = None
        else:
            stamp = (st.st_ino, st.st_size, st.st_mtime_ns)
        if stamp == self.stamp:
            return
        self.stamp = stamp
        self.rules, self.error = [], None
        if stamp is not None:
            try:
                with open(self.path, encoding="utf-8") as f:
                    text = f.read()
                data = json.loads(text) if text.strip() else []
                if isinstance(data, dict):
                    data = data.get("rules", [])
                if not isinstance(data, list):
                    raise ValueError("rules must be a list")
                for r in data:
                    if not isinstance(r, dict) or "action" not in r:
                        raise ValueError("rule without action: %r" % (r,))
                    if r["action"] not in ACTIONS:
                        raise ValueError("unknown action %r" % r["action"])
                    r["_m"] = re.compile(r.get("method", ".*"), re.I)
                    r["_p"] = re.compile(r.get("path", ""))
                self.rules = data
            except (OSError, ValueError, re.error) as e:
                self.error = "%s: %s" % (self.path, e)
                sys.stderr.write("faultproxy: %s\n" % self.error)
        self.seen = [0] * len(self.rules)
        self.applied = [0] * len(self.rules)

    def match(self, method, target):
        if self.path is None:
            return None
        with self.lock:
            self._reload()
            for i, r in enumerate(self.rules):
                if not r["_m"].fullmatch(method):
                    continue
                if not r["_p"].search(target):
                    continue
                times = r.get("times")
                if times is not None and self.applied[i] >= int(times):
                    continue
                self.seen[i] += 1
                if self.seen[i] <= int(r.get("skip", 0)):
                    continue
                self.applied[i] += 1
                return r
        return None


class Upstream:
    def __init__(self, hostport, creds):
        self.hostport = hostport
        self.creds = creds
        self.bearer = {}
        self.lock = threading.Lock()

    def connect(self):
        host, _, port = self.hostport.rpartition(":")
        return http.client.HTTPConnection(host, int(port), timeout=120)

    def auth_header(self, scope_key):
        if self.creds is None:
            return None
        with self.lock:
            tok = self.bearer.get(scope_key)
        if tok is not None:
            return "Bearer " + tok
        return "Basic " + base64.b64encode(self.creds.encode()).decode()

    def fetch_token(self, challenge, scope_key):
        """Run the token flow for a 'Bearer realm=...' challenge."""
        params = dict(re.findall(r'(\w+)="([^"]*)"', challenge))
        realm = params.pop("realm", None)
        if realm is None:
            return False
        url = realm + "?" + urllib.parse.urlencode(params)
        req = urllib.request.Request(url, headers={
            "Authorization": "Basic " +
            base64.b64encode(self.creds.encode()).decode()})
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                body = json.load(r)
        except (OSError, ValueError):
            return False
        tok = body.get("token") or body.get("access_token")
        if not tok:
            return False
        with self.lock:
            self.bearer[scope_key] = tok
        return True


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "berth-faultproxy/1"

    def log_message(self, fmt, *args):
        pass

    def log_json(self, status, nbytes, req_bytes, fault, auth):
        srv = self.server
        rec = {
            "t": round(time.time(), 3),
            "method": self.command,
            "path": self.path,
            "status": status,
            "bytes": nbytes,
            "req_bytes": req_bytes,
            "auth": auth,
            "range": self.headers.get("Range"),
            "fault": fault,
        }
        with srv.log_lock:
            if srv.log is not None:
                srv.log.write(json.dumps(rec) + "\n")
                srv.log.flush()

    # Request bodies.

    def body_chunks(self):
        """Yield the request body, de-chunked if need be."""
        te = self.headers.get("Transfer-Encoding", "").lower()
        if "chunked" in te:
            while True:
                line = self.rfile.readline(1024)
                if not line:
                    raise ConnectionError("eof in chunk size")
                size = int(line.split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline(1024) not in (b"\r\n", b"\n",
                                                            b""):
                        pass
                    return
                left = size
                while left > 0:
                    b = self.rfile.read(min(left, CHUNK))
                    if not b:
                        raise ConnectionError("eof in chunk")
                    left -= len(b)
                    yield b
                self.rfile.readline(1024)
            return
        left = int(self.headers.get("Content-Length", "0") or 0)
        while left > 0:
            b = self.rfile.read(min(left, CHUNK))
            if not b:
                raise ConnectionError("eof in body")
            left -= len(b)
            yield b

    def has_body(self):
        return ("chunked" in self.headers.get("Transfer-Encoding", "").lower()
                or int(self.headers.get("Content-Length", "0") or 0) > 0)

    def drain(self):
        n = 0
        for b in self.body_chunks():
            n += len(b)
        return n

    # Responses made here.

    def answer(self, code, body=b"", headers=None, close=False):
        self.send_response(code)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        if close:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
        return len(body) if self.command != "HEAD" else 0

    def hard_close(self):
        self.close_connection = True
        try:
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    # The proxy.

    def handle_one(self):
        auth = self.headers.get("Authorization") is not None
        rule = self.server.rules.match(self.command, self.path)
        action = rule["action"] if rule else None
        req_bytes = 0

        if action == "drop":
            self.hard_close()
            self.log_json(None, 0, 0, action, auth)
            return
        if action == "status":
            req_bytes = self.drain()
            code = int(rule.get("code", 503))
            hdrs = {"Content-Type": "application/json"}
            if "retry_after" in rule:
                hdrs["Retry-After"] = str(rule["retry_after"])
            if "body" in rule:
                body = str(rule["body"]).encode()
            else:
                body = json.dumps({"errors": [{
                    "code": rule.get("error_code",
                                     ERROR_CODES.get(code, "UNKNOWN")),
                    "message": "injected fault %d" % code,
                    "detail": None}]}).encode() + b"\n"
            n = self.answer(code, body, hdrs)
            self.log_json(code, n, req_bytes, action, auth)
            return
        if action == "redirect-offhost":
            req_bytes = self.drain()
            url = str(rule["url"])
            if rule.get("keep_path", True):
                url = url.rstrip("/") + self.path
            code = int(rule.get("code", 307))
            n = self.answer(code, b"", {"Location": url})
            self.log_json(code, n, req_bytes, action, auth)
            return
        if action == "delay" and "bytes" not in rule:
            time.sleep(float(rule.get("seconds", 1)))

        up = self.server.upstream
        headers = []
        scope_key = self.path.split("?")[0]
        m = re.match(r"^/v2/(.+?)/(blobs|manifests|tags)/", scope_key)
        scope_key = m.group(1) if m else scope_key
        for k, v in self.headers.items():
            lk = k.lower()
            if lk in HOP:
                continue
            if ((action == "ignore-range" or
                 (rule is not None and rule.get("ignore_range"))) and
                    lk in ("range", "if-range")):
                continue
            if up.creds is not None and lk == "authorization":
                continue
            headers.append((k, v))
        if up.creds is not None:
            headers.append(("Authorization", up.auth_header(scope_key)))
        chunked_req = "chunked" in self.headers.get("Transfer-Encoding",
                                                    "").lower()
        if chunked_req:
            headers.append(("Transfer-Encoding", "chunked"))

        try:
            conn, resp, req_bytes = self.forward(up, headers, chunked_req)
            if (resp.status == 401 and up.creds is not None and
                    not self.has_body()):
                ch = resp.getheader("WWW-Authenticate", "")
                resp.read()
                conn.close()
                if (ch.lower().startswith("bearer") and
                        up.fetch_token(ch, scope_key)):
                    headers = [(k, v) for k, v in headers
                               if k.lower() != "authorization"]
                    headers.append(("Authorization",
                                    up.auth_header(scope_key)))
                conn, resp, req_bytes = self.forward(up, headers, False)
        except (OSError, http.client.HTTPException, ValueError) as e:
            msg = json.dumps({"errors": [{
                "code": "UNAVAILABLE",
                "message": "faultproxy: upstream: %s" % e}]}).encode()
            try:
                n = self.answer(502, msg,
                                {"Content-Type": "application/json"},
                                close=True)
            except OSError:
                n = 0
            self.log_json(502, n, req_bytes, action, auth)
            return
        try:
            self.relay(rule, action, resp, req_bytes, auth)
        finally:
            conn.close()

    def forward(self, up, headers, chunked_req):
        conn = up.connect()
        conn.putrequest(self.command, self.path, skip_host=True,
                        skip_accept_encoding=True)
        for k, v in headers:
            conn.putheader(k, v)
        conn.endheaders()
        n = 0
        for b in self.body_chunks():
            n += len(b)
            if chunked_req:
                conn.send(b"%x\r\n%s\r\n" % (len(b), b))
            else:
                conn.send(b)
        if chunked_req:
            conn.send(b"0\r\n\r\n")
        return conn, conn.getresponse(), n

    def relay(self, rule, action, resp, req_bytes, auth):
        status = resp.status
        clen = resp.getheader("Content-Length")
        length = int(clen) if clen is not None and clen.isdigit() else None
        no_body = (self.command == "HEAD" or status in (204, 304) or
                   100 <= status < 200)
        proxy_host = self.headers.get("Host", "")
        self.send_response(status, resp.reason)
        drop = set()
        if action == "headers":
            drop = {h.lower() for h in rule.get("del", [])}
            drop |= {h.lower() for h in rule.get("set", {})}
        for k, v in resp.getheaders():
            lk = k.lower()
            if (lk in HOP or lk in ("content-length", "date", "server") or
                    lk in drop):
                continue
            if lk == "location" and proxy_host:
                v = v.replace("//" + self.server.upstream.hostport + "/",
                              "//" + proxy_host + "/", 1)
            self.send_header(k, v)
        if action == "headers":
            for k, v in rule.get("set", {}).items():
                self.send_header(k, str(v))
        chunked = False
        if no_body:
            if length is not None:
                self.send_header("Content-Length", str(length))
        elif length is not None:
            self.send_header("Content-Length", str(length))
        else:
            self.send_header("Transfer-Encoding", "chunked")
            chunked = True
        limit = None
        if action == "cut":
            limit = int(rule.get("bytes", 0))
        elif action == "truncate" and length is not None:
            limit = max(0, length - int(rule.get("bytes", 1)))
        if limit is not None:
            self.send_header("Connection", "close")
        self.end_headers()

        sent = 0
        if no_body:
            self.log_json(status, 0, req_bytes, action, auth)
            return
        corrupt_at = None
        corrupt_n = 0
        if action == "corrupt" and length:
            off = int(rule.get("offset", length // 2))
            corrupt_at = off + length if off < 0 else off
            corrupt_n = int(rule.get("count", 1))
        stall_at = None
        if action == "delay" and "bytes" in rule:
            stall_at = int(rule["bytes"])
        try:
            while True:
                if stall_at is not None and sent >= stall_at:
                    self.wfile.flush()
                    time.sleep(float(rule.get("seconds", 1)))
                    stall_at = None
                want = CHUNK
                if limit is not None:
                    want = min(want, limit - sent)
                    if want <= 0:
                        break
                if stall_at is not None:
                    want = min(want, stall_at - sent)
                b = resp.read(want)
                if not b:
                    break
                if corrupt_at is not None:
                    lo = max(corrupt_at, sent)
                    hi = min(corrupt_at + corrupt_n, sent + len(b))
                    if lo < hi:
                        ba = bytearray(b)
                        for i in range(lo - sent, hi - sent):
                            ba[i] ^= 0xFF
                        b = bytes(ba)
                if chunked:
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(b), b))
                else:
                    self.wfile.write(b)
                sent += len(b)
            if limit is not None:
                self.hard_close()
            elif chunked:
                self.wfile.write(b"0\r\n\r\n")
        except OSError:
            self.close_connection = True
        self.log_json(status, sent, req_bytes, action, auth)

    do_GET = do_HEAD = do_PUT = do_POST = do_PATCH = do_DELETE = handle_one
    do_OPTIONS = handle_one


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--upstream", required=True, metavar="HOST:PORT")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file", help="write the bound port here")
    ap.add_argument("--rules", help="JSON rules file, re-read on change")
    ap.add_argument("--log", help="append one JSON line per request")
    ap.add_argument("--upstream-auth", metavar="USER:PASS",
                    help="authenticate to upstream instead of the client")
    ap.add_argument("--max-seconds", type=float, default=600)
    a = ap.parse_args()

    srv = ThreadingHTTPServer(("127.0.0.1", a.port), Handler)
    srv.daemon_threads = True
    srv.rules = Rules(a.rules)
    srv.upstream = Upstream(a.upstream, a.upstream_auth)
    srv.log_lock = threading.Lock()
    srv.log = open(a.log, "a", encoding="utf-8") if a.log else None
    if a.port_file:
        tmp = a.port_file + ".tmp"
        with open(tmp, "w", encoding="ascii") as f:
            f.write("%d\n" % srv.server_address[1])
        os.rename(tmp, a.port_file)

    def stop(*_):
        threading.Thread(target=srv.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    timer = threading.Timer(a.max_seconds, stop)
    timer.daemon = True
    timer.start()
    srv.serve_forever(poll_interval=0.2)
    srv.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
