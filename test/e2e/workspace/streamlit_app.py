# A real Streamlit app for the end-to-end suite: the page is Streamlit's own front end, which
# gets the script's output over a websocket through code-server's /proxy/<port>/ path.
import streamlit as st

MESSAGE = "VERSION-1"
st.html(f'<h1 id="msg">{MESSAGE}</h1>')
n = st.slider("Rows", 1, 10, 3)
st.write(f"Doubled rows: {n * 2}")
