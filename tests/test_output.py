from __future__ import annotations

from credo import output


def test_a_count_of_people_reads_as_a_sentence_says_it():
    # "1 people" was printed by evaluate and train where one person had no data
    assert output.people(1) == "1 person"
    assert output.people(0) == "0 people"
    assert output.people(12345) == "12,345 people"
