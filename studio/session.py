"""This browser session: its anonymous id, the models chosen in the sidebar, the last digit drawn."""

from __future__ import annotations

import uuid

import numpy as np
import streamlit as st

from mnist_core.store import StoredModel

from . import keys, resources


def session_id() -> str:
    """This browser session's anonymous id (the training queue's and the class drawings' "who")."""
    return st.session_state.setdefault(keys.SESSION_ID, uuid.uuid4().hex[:12])


def active_models() -> list[StoredModel]:
    """The models chosen in the sidebar (at most two), as they are in the store now."""
    chosen = st.session_state.get(keys.ACTIVE_MODELS) or []
    by_id = {model.id: model for model in resources.models()}
    return [by_id[model_id] for model_id in chosen if model_id in by_id]


def last_drawing() -> np.ndarray | None:
    """The model input of the last digit drawn in this session, on Draw or Inside."""
    return st.session_state.get(keys.LAST_DRAWING)


def keep_drawing(model_input: np.ndarray) -> None:
    """Remember a drawing's model input, for the other pages of this session."""
    st.session_state[keys.LAST_DRAWING] = model_input
