#!/usr/bin/env python3
"""Loopback HTTP server for the download tests (never contacts other hosts).

Binds 127.0.0.1 on a free port, prints the port on stdout, and appends one
JSON line per request to --log. Paths:
  /files/NAME?size=N          deterministic bytes, honours Range: bytes=K-
  /drop/NAME?size=N           first request without Range is cut half-way
  /norange/NAME?size=N        ignores Range; the first request is cut half-way
  /slow/NAME?size=N           1 kB every 50 ms
  /redirect/K/REST            K redirects, then /REST
  /loop/NAME                  redirects to itself
  /status/CODE                answers CODE
  /auth/NAME                  401 unless "Authorization: Bearer secret-token"
  /dinov2/ARCH/FILE           the official DINOv2 layout (plain file)
  /ORG/REPO/resolve/REV/FILE  Hugging Face resolve: 302 to /cdn/ with
                              X-Repo-Commit, X-Linked-Etag (SHA-256), X-Linked-Size;
                              ORG "bad" publishes a wrong hash
A request in absolute form (GET http://host/path) is a proxy request: it is
logged with "proxied": true and answered like /path.
"""
import argparse
import hashlib
import json
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

DEFAULT_SIZE = 300_000
COMMIT = "0123456789abcdef0123456789abcdef01234567"
LOCK = threading.Lock()
SEEN = set()


def content(name, size):
    seed = sum(name.encode()) % 251
    pattern = bytes((i * 7 + seed) % 251 for i in range(251))
    return (pattern * (size // 251 + 1))[:size]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"

    def log_message(self, *args):
        pass

    def record(self, proxied):
        entry = {"method": self.command, "path": self.path, "proxied": proxied,
                 "range": self.headers.get("Range", ""), "auth": self.headers.get("Authorization", "")}
        with LOCK, open(self.server.log_path, "a") as log:
            log.write(json.dumps(entry) + "\n")

    def first_time(self, key):
        with LOCK:
            if key in SEEN:
                return False
            SEEN.add(key)
            return True

    def send_plain(self, status, headers=None, body=b""):
        self.send_response(status)
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def send_file(self, name, size, ranges=True, cut=False, slow=False):
        data = content(name, size)
        start = 0
        header = self.headers.get("Range", "")
        if ranges and header.startswith("bytes="):
            start = int(header[6:].split("-")[0])
            if start >= size:
                return self.send_plain(416, {"Content-Range": "bytes */%d" % size})
        body = data[start:]
        self.send_response(206 if start else 200)
        if start:
            self.send_header("Content-Range", "bytes %d-%d/%d" % (start, size - 1, size))
        self.send_header("Accept-Ranges", "bytes" if ranges else "none")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command == "HEAD":
            return
        try:
            if cut:
                self.wfile.write(body[: len(body) // 2])
                self.wfile.flush()
                self.connection.shutdown(socket.SHUT_RDWR)
                return
            if slow:
                for i in range(0, len(body), 1024):
                    self.wfile.write(body[i:i + 1024])
                    self.wfile.flush()
                    time.sleep(0.05)
                return
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def resolve(self, parts):
        org, repo, file = parts[0], parts[1], "/".join(parts[4:])
        size = DEFAULT_SIZE
        digest = hashlib.sha256(content(file, size)).hexdigest()
        if org == "bad":
            digest = hashlib.sha256(b"something else").hexdigest()
        headers = {"X-Repo-Commit": COMMIT, "X-Linked-Etag": '"%s"' % digest, "X-Linked-Size": str(size),
                   "ETag": '"%s"' % digest,
                   "Location": "http://127.0.0.1:%d/cdn/%s?size=%d" % (self.server.server_port, file, size)}
        self.send_plain(302, headers)

    def do_HEAD(self):
        self.do_GET()

    def do_GET(self):
        proxied = self.path.startswith("http://")
        if proxied:
            self.path = "/" + self.path.split("/", 3)[3]
        self.record(proxied)
        url = urlsplit(self.path)
        parts = [p for p in url.path.split("/") if p]
        size = int(parse_qs(url.query).get("size", [DEFAULT_SIZE])[0])
        if not parts:
            return self.send_plain(404)
        kind, name = parts[0], "/".join(parts[1:])
        if kind == "files" or kind == "cdn":
            return self.send_file(parts[-1], size)
        if kind == "dinov2":
            return self.send_file(parts[-1], DEFAULT_SIZE)
        if kind == "drop":
            return self.send_file(name, size, cut=self.first_time(self.path) and not self.headers.get("Range"))
        if kind == "norange":
            return self.send_file(name, size, ranges=False, cut=self.first_time(self.path))
        if kind == "slow":
            return self.send_file(name, size, slow=True)
        if kind == "redirect":
            left = int(parts[1])
            rest = "/".join(parts[2:]) + ("?" + url.query if url.query else "")
            target = "/redirect/%d/%s" % (left - 1, rest) if left > 1 else "/" + rest
            return self.send_plain(302, {"Location": target})
        if kind == "loop":
            return self.send_plain(302, {"Location": self.path})
        if kind == "status":
            return self.send_plain(int(parts[1]), body=b"status page")
        if kind == "auth":
            if self.headers.get("Authorization") != "Bearer secret-token":
                return self.send_plain(401, body=b"login required")
            return self.send_file(name, size)
        if len(parts) >= 5 and parts[2] == "resolve":
            return self.resolve(parts)
        return self.send_plain(404, body=b"no such file")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--log", required=True)
    args = parser.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    server.log_path = args.log
    print(server.server_port, flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())
