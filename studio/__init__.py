"""The app around the pages: the frame, cached resources, training jobs, the Train controls, the class."""
