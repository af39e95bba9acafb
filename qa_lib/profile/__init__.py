"""Stage 1, the profile: a strategy's measures, criteria and sources as data.

In: a profile YAML file (shipped in ``qa_lib/profiles`` or an analyst's own) and the
plugins it names. Out: a schema-checked :class:`~qa_lib.profile.schema.Profile`, the
computed criteria registered by name, and the Excel audit tool generated from it.
"""
