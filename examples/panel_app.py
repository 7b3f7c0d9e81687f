"""A Panel app (needs `pip install panel`): previewed with `python -m panel serve`, no --autoreload."""
import panel as pn

pn.extension()
slider = pn.widgets.IntSlider(name="n", start=1, end=10, value=3)
pn.Column("# Panel", slider, pn.bind(lambda n: "⭐" * n, slider)).servable()
