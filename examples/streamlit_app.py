"""A Streamlit app (needs `pip install streamlit`): previewed with runOnSave off."""
import streamlit as st

st.title("Streamlit")
n = st.slider("n", 1, 10, 3)
st.write("⭐" * n)
