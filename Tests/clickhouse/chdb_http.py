#!/usr/bin/env python3
"""Test support only: the real ClickHouse engine (chdb, in process) behind the
part of ClickHouse's HTTP interface that schemac's driver uses. Production
targets are real ClickHouse servers; there is no current server package for
this platform, so the tests talk to this.

    chdb_http.py DATA_DIR [--user USER --password PASSWORD]

Listens on 127.0.0.1 on a free port, prints `listening PORT` on its first line
of output, and serves until its standard input closes (so a test that dies
takes it along). What it speaks:

- `GET /ping` answers `Ok.`;
- `GET` or `POST /`: the query in `query=` and/or the body (joined by a line
  break, as the server does), `database=` for unqualified names,
  `default_format=` (TabSeparated otherwise), any other parameter a setting
  for this query;
- credentials from `X-ClickHouse-User`/`X-ClickHouse-Key`, HTTP basic auth or
  `user=`/`password=`; with --user, anything else is refused as the server
  refuses it (code 516, HTTP 403);
- an error as the engine reports it: `Code: N. DB::Exception: …` in the body
  and the code in `X-ClickHouse-Exception-Code`, HTTP 500 (404 for an unknown
  table or database, 400 for a syntax error), as the server maps them.

One query at a time: chdb's session is not shared between threads, so
requests are served on threads (a client's kept-alive connection does not
block another client) but run under one lock.
"""
import base64
import re
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

from chdb import session

STATUS_BY_CODE = {60: 404, 81: 404, 62: 400, 516: 403}
NOT_SETTINGS = {"query", "database", "default_format", "user", "password", "query_id", "session_id", "compress", "decompress"}


class Front:
    def __init__(self, data_dir, user, password):
        self.session = session.Session(data_dir)
        self.lock = threading.Lock()
        self.user = user
        self.password = password

    def run(self, sql, database, output_format, settings):
        with self.lock:
            changed = []
            try:
                if database:
                    self.session.query("USE " + quote_identifier(database))
                for name, value in settings.items():
                    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
                        raise ValueError(f"Code: 115. DB::Exception: Unknown setting '{name}'. (UNKNOWN_SETTING)")
                    self.session.query(f"SET {name} = {quote_literal(value)}")
                    changed.append(name)
                result = self.session.query(sql, output_format)
                return result.bytes() if hasattr(result, "bytes") else str(result).encode()
            finally:
                for name in changed:
                    self.session.query(f"SET {name} = DEFAULT")
                if database:
                    self.session.query("USE default")


def quote_identifier(name):
    return "`" + name.replace("\\", "\\\\").replace("`", "\\`") + "`"


def quote_literal(text):
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def error_code(message):
    match = re.search(r"Code: (\d+)\.", message)
    return int(match.group(1)) if match else 1002


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    front = None

    def log_message(self, *args):
        pass

    def do_GET(self):
        self.serve(b"")

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        self.serve(self.rfile.read(length) if length else b"")

    def serve(self, body):
        url = urlsplit(self.path)
        params = dict(parse_qsl(url.query, keep_blank_values=True))
        if url.path == "/ping":
            return self.answer(200, b"Ok.\n")
        if url.path != "/":
            return self.fail(f"Code: 1002. DB::Exception: There is no handle {url.path}. (UNKNOWN_EXCEPTION)")
        if not self.authorized(params):
            return self.fail(f"Code: 516. DB::Exception: {self.user_name(params)}: Authentication failed: password is incorrect, "
                             "or there is no user with such name. (AUTHENTICATION_FAILED)")
        sql = "\n".join(part for part in (params.get("query", ""), body.decode("utf-8", "replace")) if part)
        if not sql.strip():
            return self.fail("Code: 62. DB::Exception: Empty query. (SYNTAX_ERROR)")
        settings = {k: v for k, v in params.items() if k not in NOT_SETTINGS}
        try:
            out = self.front.run(sql, params.get("database"), params.get("default_format", "TabSeparated"), settings)
        except Exception as error:
            return self.fail(" ".join(str(error).split()))
        self.answer(200, out)

    def user_name(self, params):
        if "X-ClickHouse-User" in self.headers:
            return self.headers["X-ClickHouse-User"]
        auth = self.headers.get("Authorization", "")
        if auth.startswith("Basic "):
            return base64.b64decode(auth[6:]).decode().partition(":")[0]
        return params.get("user", "default")

    def authorized(self, params):
        if self.front.user is None:
            return True
        auth = self.headers.get("Authorization", "")
        if "X-ClickHouse-User" in self.headers:
            given = (self.headers["X-ClickHouse-User"], self.headers.get("X-ClickHouse-Key", ""))
        elif auth.startswith("Basic "):
            name, _, password = base64.b64decode(auth[6:]).decode().partition(":")
            given = (name, password)
        else:
            given = (params.get("user", "default"), params.get("password", ""))
        return given == (self.front.user, self.front.password)

    def fail(self, message):
        code = error_code(message)
        self.answer(STATUS_BY_CODE.get(code, 500), (message + "\n").encode(), {"X-ClickHouse-Exception-Code": str(code)})

    def answer(self, status, body, headers=None):
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=UTF-8")
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)


def main():
    args = sys.argv[1:]
    data_dir = args[0]
    user = args[args.index("--user") + 1] if "--user" in args else None
    password = args[args.index("--password") + 1] if "--password" in args else ""
    Handler.front = Front(data_dir, user, password)
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    print(f"listening {server.server_address[1]}", flush=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    sys.stdin.read()
    server.shutdown()


if __name__ == "__main__":
    main()
