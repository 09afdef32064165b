"""Import Keras (and so TensorFlow) without its start-up chatter reaching the terminal.

TensorFlow writes lines such as "oneDNN custom operations are on" and "failed
call to cuInit: UNKNOWN ERROR" straight to file descriptor 2 while it loads,
before any logging setting applies; a teacher reads "ERROR" there and worries.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
from collections.abc import Iterator
from types import ModuleType

__all__ = ["import_keras"]

_lock = threading.Lock()


@contextlib.contextmanager
def _stderr_silenced() -> Iterator[None]:
    sys.stderr.flush()
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    try:
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def import_keras() -> ModuleType:
    """The ``keras`` module, loaded (once) with TensorFlow's start-up lines kept out of stderr."""
    if "keras" in sys.modules and "tensorflow" in sys.modules:
        import keras

        return keras
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    with _lock, _stderr_silenced():
        import keras

        # The first operation initialises the devices, which logs the cuInit line on machines without a GPU.
        keras.ops.convert_to_numpy(keras.ops.zeros((1,)))
        import tensorflow as tf

        # A long-lived worker that trains many models would log a "retracing" warning now and then.
        tf.get_logger().setLevel("ERROR")
    return keras
