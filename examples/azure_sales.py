"""Reads a CSV from Azure Blob Storage with no secret in the code.

In the Azure Storage view (the Data App Preview icon in the activity bar), sign in or use
the local emulator, then right-click a container and choose "Use Container for Preview".
The editor hands this app the account through its environment:
- AZURE_STORAGE_CONNECTION_STRING for the emulator, a key or a SAS;
- IDENTITY_ENDPOINT/IDENTITY_HEADER (a token endpoint) for a Microsoft sign-in, which
  DefaultAzureCredential uses without any change.
`npm start` runs Azurite and puts data/sales.csv into its "sales" container.
"""
import csv
import html
import io
import os
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from azure.storage.blob import BlobServiceClient

BLOB = "data/sales.csv"


def service() -> BlobServiceClient:
    if os.environ.get("AZURE_STORAGE_CONNECTION_STRING"):
        return BlobServiceClient.from_connection_string(os.environ["AZURE_STORAGE_CONNECTION_STRING"])
    from azure.identity import DefaultAzureCredential

    return BlobServiceClient(os.environ["AZURE_STORAGE_ACCOUNT_URL"], credential=DefaultAzureCredential())


def page() -> str:
    container = os.environ.get("AZURE_STORAGE_CONTAINER")
    if not container:
        return "<p>No container is used for preview yet: pick one in the Azure Storage view.</p>"
    text = service().get_container_client(container).download_blob(BLOB).readall().decode()
    rows = list(csv.DictReader(io.StringIO(text)))
    body = "".join(f"<tr><td>{html.escape(r['month'])}</td><td>{html.escape(r['sales'])}</td></tr>" for r in rows)
    total = sum(int(r["sales"]) for r in rows)
    return f"<p>{container}/{BLOB}: {len(rows)} rows, total {total}</p><table><tr><th>month</th><th>sales</th></tr>{body}</table>"


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        try:
            content = page()
        except Exception as e:  # shown in the page: the editor's output channel has the rest
            content = f"<p>Could not read the blob: {html.escape(type(e).__name__)}: {html.escape(str(e)[:500])}</p>"
        data = f"<html><body><h1>Sales from Blob Storage</h1>{content}</body></html>".encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


if __name__ == "__main__":
    ThreadingHTTPServer((os.environ.get("HOST", "127.0.0.1"), int(os.environ["PORT"])), Handler).serve_forever()
