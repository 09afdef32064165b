"""Inside: what each unit of the network looks for, a drawing flowing through it, and units knocked out."""

import streamlit as st

from studio import errors, frame, inside, keys, resources, session
from studio.language import t

frame.page()

st.title(t("Inside the network"))
available = resources.models()
mnist = None
with errors.shown(stop=False):
    mnist = resources.dataset()
if not available or mnist is None:
    st.info(t("Nothing to look inside yet: train a model on the **Train** page."), icon=":material/info:")
    st.stop()
by_id = {model.id: model for model in available}
first = (session.active_models() or available)[0]
model = by_id[
    st.selectbox(t("Model"), list(by_id), index=list(by_id).index(first.id), format_func=lambda i: by_id[i].label)
]
network = resources.network(model)
drawing = session.last_drawing()
st.caption(
    t(
        "{name}: {layers} units. Everything here is computed from its weights with NumPy, live.",
        name=model.name,
        layers=" → ".join(str(units) for units in (784, *network.hidden_layers, 10)),
    )
)

# Only the open tab is made and sent (silencing units scores the whole test set).
weights_tab, flow_tab, knock_tab = st.tabs(
    [t("What the first layer looks for"), t("A drawing flows through"), t("Knock out")],
    key=keys.INSIDE_TAB,
    on_change="rerun",
)
unit = st.session_state.get(keys.INSIDE_UNIT)
if weights_tab.open:
    with weights_tab:
        inside.first_layer(model, network, mnist, drawing)
if flow_tab.open:
    with flow_tab:
        inside.flow(network, drawing)
if knock_tab.open:
    with knock_tab:
        inside.knock(model, network, mnist, drawing, unit)
