"""Shows a variable from the workspace .env file."""
import os
from http.server import BaseHTTPRequestHandler, HTTPServer


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.end_headers()
        self.wfile.write(f"GREETING={os.environ.get('GREETING')}".encode())


HTTPServer((os.environ["HOST"], int(os.environ["PORT"])), Handler).serve_forever()
