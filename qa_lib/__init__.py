"""qa_lib: the helper library behind ``qa-audit``, the multi-agency neglect audit toolkit."""

__version__ = "0.1.0"
