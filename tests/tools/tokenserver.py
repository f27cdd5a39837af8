#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Bearer token server for the integration tests (Docker Hub token flow).

GET /token?service=S&scope=repository:NAME:pull,push[&scope=...] answers
{"token", "access_token", "expires_in", "issued_at"} with an RS256 JWT that
distribution's `auth: token:` accepts: the header carries the signing
certificate in `x5c`, and that certificate is the registry's rootcertbundle.
Anonymous requests get "pull" on repositories whose name matches --public;
Basic-authenticated users (--user NAME:PASS, --users-file) get what they ask
for; a wrong password gets 401.  POST /token with an OAuth2 password grant
(grant_type=password, username, password, service, scope) is answered the
same way.  Every request is logged as one JSON line to --log.

Signing uses the openssl command line (no third-party Python modules).
The server binds 127.0.0.1 only, exits on SIGTERM/SIGINT and after
--max-seconds.
"""

import argparse
import base64
import binascii
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.parse
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def rfc3339(t):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


def load_cert_der_b64(path):
    """Return the base64 (standard alphabet) DER of the first PEM cert."""
    with open(path, "r", encoding="ascii") as f:
        pem = f.read()
    m = re.search(r"-----BEGIN CERTIFICATE-----(.*?)-----END CERTIFICATE-----",
                  pem, re.S)
    if m is None:
        raise ValueError("%s: no PEM certificate" % path)
    der = base64.b64decode("".join(m.group(1).split()))
    return base64.b64encode(der).decode("ascii")


class Signer:
    def __init__(self, key, cert):
        self.key = key
        self.x5c = [load_cert_der_b64(cert)]

    def sign(self, claims):
        header = {"typ": "JWT", "alg": "RS256", "x5c": self.x5c}
        signing_input = (b64url(json.dumps(header, separators=(",", ":"))
                                .encode()) + "." +
                         b64url(json.dumps(claims, separators=(",", ":"))
                                .encode()))
        p = subprocess.run(["openssl", "dgst", "-sha256", "-sign", self.key],
                           input=signing_input.encode("ascii"),
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           check=False)
        if p.returncode != 0 or not p.stdout:
            raise RuntimeError("openssl dgst -sign failed: %s" %
                               p.stderr.decode(errors="replace").strip())
        return signing_input + "." + b64url(p.stdout)


def parse_scope(s):
    """'repository:a/b:pull,push' -> ('repository', 'a/b', ['pull','push'])."""
    first = s.find(":")
    last = s.rfind(":")
    if first < 0 or last <= first:
        return None
    typ, name, actions = s[:first], s[first + 1:last], s[last + 1:]
    if not typ or not name:
        return None
    return typ, name, [a for a in actions.split(",") if a]


class Config:
    pass


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "berth-tokenserver/1"

    def log_message(self, fmt, *args):
        pass

    def log_json(self, status, user, scopes, granted):
        cfg = self.server.cfg
        rec = {
            "t": round(time.time(), 3),
            "method": self.command,
            "path": self.path,
            "auth": self.headers.get("Authorization") is not None,
            "user": user,
            "scopes": scopes,
            "granted": granted,
            "status": status,
        }
        with cfg.lock:
            cfg.nreq += 1
            if cfg.log is not None:
                cfg.log.write(json.dumps(rec) + "\n")
                cfg.log.flush()

    def send_json(self, status, obj, extra=None):
        body = (json.dumps(obj) + "\n").encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def check_basic(self):
        """Return (ok, user).  No header: (True, None)."""
        h = self.headers.get("Authorization")
        if h is None:
            return True, None
        parts = h.split(None, 1)
        if len(parts) != 2 or parts[0].lower() != "basic":
            return False, None
        try:
            raw = base64.b64decode(parts[1], validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return False, None
        user, sep, pw = raw.partition(":")
        if not sep:
            return False, user
        return self.check_password(user, pw)

    def check_password(self, user, pw):
        cfg = self.server.cfg
        if user in cfg.users and cfg.users[user] == pw:
            return True, user
        return False, user

    def grant(self, user, scopes):
        cfg = self.server.cfg
        access = []
        for s in scopes:
            p = parse_scope(s)
            if p is None:
                continue
            typ, name, actions = p
            if user is not None:
                allowed = list(actions)
            elif (typ == "repository" and cfg.public is not None and
                  cfg.public.search(name)):
                allowed = [a for a in actions if a == "pull"]
            else:
                allowed = []
            if cfg.pull_only:
                allowed = [a for a in allowed if a == "pull"]
            access.append({"type": typ, "name": name, "actions": allowed})
        return access

    def issue(self, user, service, scopes):
        cfg = self.server.cfg
        if cfg.fail_status:
            self.send_json(cfg.fail_status,
                           {"errors": [{"code": "UNAVAILABLE",
                                        "message": "injected failure"}]})
            self.log_json(cfg.fail_status, user, scopes, None)
            return
        if cfg.service is not None and service != cfg.service:
            self.send_json(400, {"errors": [{
                "code": "DENIED",
                "message": "unknown service %r" % service}]})
            self.log_json(400, user, scopes, None)
            return
        now = int(time.time())
        access = self.grant(user, scopes)
        claims = {
            "iss": cfg.issuer,
            "sub": user or "",
            "aud": service,
            "exp": now + cfg.expires_in + cfg.claim_exp_offset,
            "nbf": now - 1,
            "iat": now,
            "jti": uuid.uuid4().hex,
            "access": access,
        }
        try:
            tok = cfg.signer.sign(claims)
        except RuntimeError as e:
            self.send_json(500, {"errors": [{"code": "UNKNOWN",
                                             "message": str(e)}]})
            self.log_json(500, user, scopes, None)
            return
        body = {"expires_in": cfg.expires_in, "issued_at": rfc3339(now)}
        if cfg.token_field in ("both", "token"):
            body["token"] = tok
        if cfg.token_field in ("both", "access_token"):
            body["access_token"] = tok
        self.send_json(200, body)
        self.log_json(200, user, scopes, access)

    def deny(self, user, scopes):
        cfg = self.server.cfg
        self.send_json(401, {"errors": [{
            "code": "UNAUTHORIZED",
            "message": "incorrect username or password"}]},
            {"WWW-Authenticate": 'Basic realm="%s"' % cfg.issuer})
        self.log_json(401, user, scopes, None)

    def do_GET(self):
        u = urllib.parse.urlsplit(self.path)
        q = urllib.parse.parse_qs(u.query, keep_blank_values=True)
        scopes = []
        for s in q.get("scope", []):
            scopes.extend(s.split(" "))
        if u.path != self.server.cfg.path:
            self.send_json(404, {"errors": [{"code": "NOT_FOUND",
                                             "message": "no such endpoint"}]})
            self.log_json(404, None, scopes, None)
            return
        ok, user = self.check_basic()
        if not ok:
            self.deny(user, scopes)
            return
        self.issue(user, q.get("service", [""])[0], scopes)

    def do_POST(self):
        u = urllib.parse.urlsplit(self.path)
        try:
            n = int(self.headers.get("Content-Length", "0"))
        except ValueError:
            n = -1
        if n < 0 or n > 65536:
            self.send_json(400, {"error": "invalid_request"})
            self.log_json(400, None, [], None)
            return
        form = urllib.parse.parse_qs(self.rfile.read(n).decode(
            "utf-8", "replace"), keep_blank_values=True)
        scopes = []
        for s in form.get("scope", []):
            scopes.extend(s.split(" "))
        if u.path != self.server.cfg.path:
            self.send_json(404, {"error": "not_found"})
            self.log_json(404, None, scopes, None)
            return
        if form.get("grant_type", [""])[0] != "password":
            self.send_json(400, {"error": "unsupported_grant_type"})
            self.log_json(400, None, scopes, None)
            return
        ok, user = self.check_password(form.get("username", [""])[0],
                                       form.get("password", [""])[0])
        if not ok:
            self.deny(user, scopes)
            return
        self.issue(user, form.get("service", [""])[0], scopes)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--port", type=int, default=0,
                    help="TCP port on 127.0.0.1 (0: pick one)")
    ap.add_argument("--port-file", help="write the bound port here")
    ap.add_argument("--key", required=True, help="RSA private key (PEM)")
    ap.add_argument("--cert", required=True,
                    help="certificate of --key (PEM), the registry's "
                         "rootcertbundle")
    ap.add_argument("--issuer", default="berth-test-issuer")
    ap.add_argument("--service", default=None,
                    help="refuse other service= values (default: any)")
    ap.add_argument("--path", default="/token")
    ap.add_argument("--user", action="append", default=[],
                    metavar="NAME:PASS")
    ap.add_argument("--users-file", help="lines NAME:PASS")
    ap.add_argument("--public", default=None, metavar="REGEX",
                    help="repositories anonymous users may pull")
    ap.add_argument("--pull-only", action="store_true",
                    help="grant nobody more than pull")
    ap.add_argument("--expires-in", type=int, default=300)
    ap.add_argument("--claim-exp-offset", type=int, default=0,
                    help="seconds added to the exp claim (the registry "
                         "allows 60 s of leeway: -60 makes a token die "
                         "at expires_in)")
    ap.add_argument("--token-field", default="both",
                    choices=["both", "token", "access_token"])
    ap.add_argument("--fail-status", type=int, default=0,
                    help="answer every token request with this status")
    ap.add_argument("--log", help="append one JSON line per request")
    ap.add_argument("--max-seconds", type=float, default=600)
    a = ap.parse_args()

    cfg = Config()
    cfg.lock = threading.Lock()
    cfg.nreq = 0
    cfg.issuer = a.issuer
    cfg.service = a.service
    cfg.path = a.path
    cfg.expires_in = a.expires_in
    cfg.claim_exp_offset = a.claim_exp_offset
    cfg.token_field = a.token_field
    cfg.fail_status = a.fail_status
    cfg.pull_only = a.pull_only
    cfg.public = re.compile(a.public) if a.public is not None else None
    cfg.users = {}
    entries = list(a.user)
    if a.users_file:
        with open(a.users_file, encoding="utf-8") as f:
            entries.extend(l.rstrip("\n") for l in f if l.strip())
    for e in entries:
        name, sep, pw = e.partition(":")
        if not sep or not name:
            ap.error("bad user entry %r (want NAME:PASS)" % e)
        cfg.users[name] = pw
    cfg.signer = Signer(a.key, a.cert)
    cfg.log = open(a.log, "a", encoding="utf-8") if a.log else None

    srv = ThreadingHTTPServer(("127.0.0.1", a.port), Handler)
    srv.daemon_threads = True
    srv.cfg = cfg
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
