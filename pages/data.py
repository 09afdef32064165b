"""Data: a first look at MNIST — samples, class balance, mean digits, one-hot labels."""

import numpy as np
import pandas as pd
import streamlit as st

from mnist_core import plots
from studio import errors, frame, keys, language, resources
from studio.language import t

frame.page()

st.title(t("The MNIST data"))
with errors.shown():
    mnist = resources.dataset()

number = language.current().number
st.markdown(
    t(
        "MNIST holds **{train} training** and **{test} test** images of handwritten digits, each 28 × 28 pixels "
        "of grey from 0 (black) to 255 (white). The models see each image as a row of 784 numbers scaled to 0–1.",
        train=number(len(mnist.y_train)),
        test=number(len(mnist.y_test)),
    )
)

st.header(t("Ten samples of every digit"))
samples = np.concatenate([np.flatnonzero(mnist.y_train == digit)[:10] for digit in range(10)])
st.plotly_chart(plots.digit_grid(mnist.x_train[samples], labels=mnist.y_train[samples]), key=keys.DATA_SAMPLES)

left, right = st.columns(2)
with left:
    st.header(t("How many of each"))
    st.plotly_chart(
        plots.class_balance(
            np.bincount(mnist.y_train, minlength=10), np.bincount(mnist.y_test, minlength=10), words=language.current()
        ),
        key=keys.DATA_BALANCE,
    )
with right:
    st.header(t("The average digit"))
    means = mnist.class_means()
    st.plotly_chart(plots.digit_grid(means, labels=list(range(10)), columns=5), key=keys.DATA_MEANS)
    st.caption(t("Each image is the mean of all training images of that digit: blurry where people write differently."))

st.header(t("From label to one-hot vector"))
first = mnist.y_train[:8]
one_hot = pd.DataFrame(np.eye(10, dtype=int)[first], columns=[t("is {digit}", digit=d) for d in range(10)])
one_hot.insert(0, t("label"), first)
st.dataframe(one_hot, hide_index=True)
st.caption(
    t(
        "The network has ten outputs, one per digit; training pushes the output of the true digit towards 1 "
        "and the others towards 0. Its softmax outputs are probabilities that add up to 1."
    )
)

st.header(t("One image as numbers"))
# The index is named so that its column has a header a screen reader can say.
st.dataframe(pd.DataFrame(mnist.x_train[0]).rename_axis(t("row")), height=300)
st.caption(t("Training image 0, a {digit}: the pixel values the network reads.", digit=mnist.y_train[0]))
