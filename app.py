"""Digit Studio: train multi-layer perceptrons on MNIST, draw digits, see what they get wrong."""

import ui

ui.frame().run()
