"""Property: the vectorised case-reference check gives the same answer as the scalar one."""

from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import examples
from qa_lib.common.personal_data import identifier_kind, identifier_kinds

PIECES = st.sampled_from(["HAL", "Jack", "Smith", "jack", "0001", "943", "476", "5919",
                          "9434765919", "12", "03", "2015", "12032015", "-", " ", ".", "_", "@",
                          "a", "b.com", "LS1", "4AP", "Mrs", "Brown", "Oct", "3rd", "/", "Ab"])
REFS = st.lists(PIECES, min_size=1, max_size=6).map("".join) | st.text(max_size=25)


@settings(max_examples=examples(1000), deadline=None)
@given(st.lists(REFS, min_size=1, max_size=20))
def test_identifier_kinds_matches_identifier_kind(values):
    got = identifier_kinds(values).tolist()
    want = [identifier_kind(v) for v in values]
    assert [g if isinstance(g, str) else None for g in got] == want
