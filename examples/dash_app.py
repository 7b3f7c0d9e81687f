"""A Dash app (needs `pip install dash`): HOST/PORT come from the preview; debug=True is safe
because the preview turns Werkzeug's reloader off."""
from dash import Dash, html

app = Dash(__name__)
app.layout = html.H1("Dash", id="msg")

if __name__ == "__main__":
    app.run(debug=True)
