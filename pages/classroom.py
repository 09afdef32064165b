"""Class: the digits this class has drawn and kept, as a second test set beside MNIST."""

import numpy as np
import pandas as pd
import streamlit as st

from mnist_core import plots
from studio import classroom, errors, frame, keys, language, resources, session
from studio.language import t

frame.page()

st.title(t("The class's own handwriting"))
st.caption(
    t("A model that reads 99 % of MNIST can still stumble on the digits this class draws. "
      "On **Draw**, say which digit you drew and press **Keep it for the class**; the drawings gather here.")
)  # fmt: skip
with errors.shown():
    drawings = resources.class_drawings()
labels = drawings.labels()
if not len(labels):
    st.info(
        t("No class drawings yet: on **Draw**, say which digit you drew and press **Keep it for the class**."),
        icon=":material/draw:",
    )
    st.stop()

counts, chart = st.columns([1, 2])
counts.metric(t("Drawings kept"), len(labels))
counts.metric(t("Students (sessions)"), drawings.sessions())
chart.plotly_chart(plots.class_counts(drawings.counts(), words=language.current()), key=keys.CLASS_COUNTS)

st.header(t("MNIST against the class"))
st.caption(
    t("Scored on the {count} drawings kept for testing: the other half is what **Also learn from our class's "
      "drawings** on Train adds to MNIST, so you can watch the gap close.", count=len(drawings.labels("test")))
)  # fmt: skip
scores = resources.class_scores(drawings)
if not scores:
    st.info(t("No models in the store yet: train one to score it on the class's drawings."), icon=":material/info:")
    st.stop()
table = pd.DataFrame(
    {
        "model": [score.name for score in scores],
        "id": [score.id for score in scores],
        "MNIST test": [score.mnist_accuracy for score in scores],
        "class drawings": [score.class_accuracy for score in scores],
        "gap": [score.gap for score in scores],
    }
)
st.plotly_chart(
    plots.class_gap(table["model"], table["MNIST test"], table["class drawings"], words=language.current()),
    key=keys.CLASS_GAP,
)
st.dataframe(
    table,
    hide_index=True,
    column_config={
        name: st.column_config.NumberColumn(format="percent") for name in ("MNIST test", "class drawings", "gap")
    },
)

model = (session.active_models() or resources.models()[:1])[0]
result = drawings.evaluate(resources.network(model))
images = drawings.images()
st.header(t("Where {name} goes wrong on the class's digits", name=model.name))
event = st.plotly_chart(
    plots.confusion_heatmap(result.confusion, title=t("Confusion matrix — click a cell"), words=language.current()),
    on_select="rerun",
    selection_mode="points",
    key=keys.CLASS_CONFUSION,
)
points = event.selection.points if event else []
if points:
    true_digit, predicted = int(points[0]["y"]), int(points[0]["x"])
    cell = result.cell_indices(true_digit, predicted)
    st.caption(t("{count} drawings of a {true} read as {said}.", count=len(cell), true=true_digit, said=predicted))
    if len(cell):
        first = cell[:40]
        st.plotly_chart(
            plots.digit_grid(images[first], labels=labels[first], predictions=result.test_predictions[first]),
            key=keys.CLASS_CELL,
        )

st.header(t("The drawings"))
pick, wrong_only = st.columns(2)
digit = pick.selectbox(
    t("Digit"), ["all", *range(10)], key=keys.CLASS_DIGIT, format_func=lambda d: t("all") if d == "all" else str(d)
)
wrong = wrong_only.toggle(t("Only those {name} gets wrong", name=model.name), key=keys.CLASS_WRONG_ONLY)
chosen = np.ones(len(labels), dtype=bool) if digit == "all" else labels == digit
if wrong:
    chosen &= result.test_predictions != labels
indices = np.flatnonzero(chosen)[::-1][:60]  # newest first
teacher = classroom.is_teacher()
ids = drawings.ids()
if len(indices):
    st.plotly_chart(
        plots.digit_grid(
            images[indices], labels=labels[indices], predictions=result.test_predictions[indices],
            # The teacher finds a drawing by its number to remove or relabel it.
            captions=[f"#{ids[i]}: {labels[i]} → {result.test_predictions[i]}" for i in indices] if teacher else None,
        ),
        key=keys.CLASS_GALLERY,
    )  # fmt: skip
    st.caption(t("{shown} of {count} shown, newest first; framed red and marked ✗ where {name} is wrong.",
                 shown=len(indices), count=int(chosen.sum()), name=model.name))  # fmt: skip
else:
    st.info(t("No drawings match."), icon=":material/filter_alt_off:")

if teacher and len(indices):
    with st.container(border=True):
        st.markdown(t("**Remove or relabel one drawing** (a 3 kept as an 8 misleads the class's test set)"))
        by_id = {int(ids[i]): i for i in indices}
        pick, digit_column, picture = st.columns([2, 2, 1])
        drawing_id = pick.selectbox(
            t("Drawing"), list(by_id), key=keys.CLASS_MODERATED,
            format_func=lambda drawing: t("#{drawing}, kept as a {digit}", drawing=drawing,
                                          digit=labels[by_id[drawing]]),
        )  # fmt: skip
        picture.image(plots.enlarge(images[by_id[drawing_id]], 3), caption=f"#{drawing_id}")
        new_label = digit_column.selectbox(
            t("It is really a"), range(10), index=int(labels[by_id[drawing_id]]), key=keys.class_relabel(drawing_id)
        )
        relabel, remove = st.columns(2)
        relabelled = relabel.button(t("Relabel it"), icon=":material/edit:")
        removed = remove.button(t("Remove it"), icon=":material/delete:")
    with errors.shown(stop=False):
        if relabelled:
            drawings.relabel(drawing_id, new_label, by=classroom.actor())
            classroom.teacher_acted()
            st.toast(t("Drawing #{drawing} is a {digit} now.", drawing=drawing_id, digit=new_label))
            st.rerun()
        if removed:
            drawings.delete([drawing_id], by=classroom.actor())
            classroom.teacher_acted()
            st.toast(t("Drawing #{drawing} removed.", drawing=drawing_id))
            st.rerun()
