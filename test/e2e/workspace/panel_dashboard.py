# A real Panel app for the end-to-end suite: BokehJS renders it in the page over a websocket,
# both through code-server's /proxy/<port>/ path.
import panel as pn

MESSAGE = "VERSION-1"
slider = pn.widgets.IntSlider(name="Rows", start=1, end=10, value=3)


def doubled(n):
    return f"Doubled rows: {n * 2}"


pn.Column(pn.pane.HTML(f'<h1 id="msg">{MESSAGE}</h1>'), slider, pn.bind(doubled, slider)).servable()
