#!/usr/bin/env python3
"""A hostile target for the benchmark: every request gets 200 and a JSON body that never ends.

Loopback only. Prints `listening on http://127.0.0.1:PORT` once ready; stop it by its pid.
"""
import socketserver
import sys
from http.server import BaseHTTPRequestHandler

CHUNK = b'{"padding":"' + b"x" * 65536


class Endless(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"  # no length: the body runs until the connection closes

    def handle_one_request(self):
        try:
            super().handle_one_request()
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def answer(self):
        length = int(self.headers.get("content-length") or 0)
        if length:
            self.rfile.read(length)
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.end_headers()
        while True:
            self.wfile.write(CHUNK)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = answer

    def log_message(self, *args):
        pass


class Server(socketserver.ThreadingMixIn, socketserver.TCPServer):
    daemon_threads = True
    allow_reuse_address = True


if __name__ == "__main__":
    with Server(("127.0.0.1", 0), Endless) as server:
        print(f"listening on http://127.0.0.1:{server.server_address[1]}", flush=True)
        server.serve_forever()
