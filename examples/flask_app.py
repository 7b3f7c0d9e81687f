"""A Flask app: previewed with `python -m flask --app flask_app.py run --no-reload`."""
from flask import Flask

app = Flask(__name__)


@app.route("/")
def index():
    return "<h1 id='msg'>Hello from Flask</h1>"
