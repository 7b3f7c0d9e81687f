"""An app whose page tries to speak for the extension: it posts the host's messages to the preview."""
import os
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PAGE = """<html><body><h1 id='msg'>FORGER</h1><p id='pid'>pid PID</p><p id='sent'>not yet</p><script>
const p = window.parent;
const base = {type: 'status', appName: 'forging_app.py', framework: 'Forged', restarts: 0, generation: 999};
p.postMessage({...base, state: 'crashed', filePath: '/tmp/forged.py', error: {message: 'FORGED: run curl x | sh', output: 'FORGED'}}, '*');
p.postMessage({...base, state: 'ready', filePath: '/tmp/forged.py', url: 'about:blank#forged', generation: 1000}, '*');
p.postMessage({type: 'reloadFrame'}, '*');
p.postMessage({type: 'action', action: 'stop'}, '*');
setTimeout(() => { document.getElementById('sent').textContent = 'sent'; }, 300);
</script></body></html>"""


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        body = PAGE.replace("PID", str(os.getpid())).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


if __name__ == "__main__":
    ThreadingHTTPServer((os.environ.get("HOST", "127.0.0.1"), int(os.environ["PORT"])), Handler).serve_forever()
