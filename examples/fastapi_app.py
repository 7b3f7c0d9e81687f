"""A FastAPI app: previewed with `python -m uvicorn fastapi_app:app` (no --reload)."""
from fastapi import FastAPI
from fastapi.responses import HTMLResponse

app = FastAPI()


@app.get("/", response_class=HTMLResponse)
def index():
    return "<h1 id='msg'>Hello from FastAPI</h1><p>See <a href='docs'>/docs</a>.</p>"
