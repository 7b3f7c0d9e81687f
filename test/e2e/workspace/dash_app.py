# A real Dash app for the end-to-end suite: its page asks for its scripts and callbacks under
# code-server's /proxy/<port>/ prefix (the preview tells Dash that prefix).
from dash import Dash, Input, Output, dcc, html

MESSAGE = "VERSION-1"
app = Dash(__name__)
app.layout = html.Div([html.H1(MESSAGE, id="msg"), dcc.Slider(1, 10, 1, value=3, id="rows"), html.P(id="doubled")])


@app.callback(Output("doubled", "children"), Input("rows", "value"))
def doubled(n):
    return f"Doubled rows: {n * 2}"


if __name__ == "__main__":
    app.run(debug=True)
