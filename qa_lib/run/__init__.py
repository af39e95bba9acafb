"""Stage 6, the round: options in, a finished round folder out.

Drives the stages below in order (read, check, score, store, render, finish) and keeps
the round folder safe: the lock, the manifest, earlier rounds for trends, the papermill
executor and the synthetic demo round.
"""
