import panel as pn

pn.panel("needs panel").servable()
