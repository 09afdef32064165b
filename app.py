"""Digit Studio: train multi-layer perceptrons on MNIST, draw digits, see what they get wrong."""

from studio import frame

frame.frame().run()
