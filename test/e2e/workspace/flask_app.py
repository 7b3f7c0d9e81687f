"""A Flask app, run by `python -m flask --app FILE run` (no reloader)."""
import os

from flask import Flask

MESSAGE = "VERSION-1"
app = Flask(__name__)


@app.route("/")
def index():
    return f"<html><body><h1 id='msg'>{MESSAGE}</h1><p>flask pid {os.getpid()}</p></body></html>"
