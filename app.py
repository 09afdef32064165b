"""Digit Studio: train multi-layer perceptrons on MNIST, draw digits, see what they get wrong."""

import streamlit as st

import ui

st.set_page_config(page_title="Digit Studio", page_icon="✍️", layout="wide")

pages = st.navigation(
    [
        st.Page("pages/home.py", title="Home", icon=":material/home:", default=True),
        st.Page("pages/train.py", title="Train", icon=":material/model_training:"),
        st.Page("pages/draw.py", title="Draw", icon=":material/draw:"),
        st.Page("pages/evaluate.py", title="Evaluate", icon=":material/grid_on:"),
        st.Page("pages/models.py", title="Models", icon=":material/inventory_2:"),
        st.Page("pages/data.py", title="Data", icon=":material/dataset:"),
    ]
)
ui.sidebar()
pages.run()
