"""The smallest data app: the standard library's http.server, reading HOST and PORT."""
import os
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MESSAGE = "Hello from the standard library"


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        body = f"<h1 id='msg'>{MESSAGE}</h1><p>pid {os.getpid()}</p>".encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.end_headers()
        self.wfile.write(body)


ThreadingHTTPServer((os.environ.get("HOST", "127.0.0.1"), int(os.environ["PORT"])), Handler).serve_forever()
