"""Word cloud: words tidied and counted by a normalised key, shown in their most common spelling."""

from __future__ import annotations

import pytest
from helpers import aggregate, record

from lab.questions import TYPES, AnswerError
from lab.questions.wordcloud import normalise_word, tidy_word

WORDS = TYPES["wordcloud"].validate_settings({"max_words": 3})


@pytest.mark.parametrize(
    ("typed", "tidy", "key"),
    [
        ("  Samenwérking!! ", "Samenwérking", "samenwerking"),
        ("«Huurders»", "Huurders", "huurders"),
        ("goed   overleg", "goed overleg", "goed overleg"),
        ("CAFÉ", "CAFÉ", "cafe"),
        ("...", "", ""),
        ("🙂", "", ""),
        ("ij-zer", "ij-zer", "ij-zer"),
    ],
)
def test_words_are_tidied_and_normalised(typed: str, tidy: str, key: str) -> None:
    assert tidy_word(typed) == tidy
    assert normalise_word(typed) == key


def test_word_cloud_counts_by_key_and_shows_the_most_common_spelling() -> None:
    answers = {"a": ["Samenwerking", "huur"], "b": ["samenwerking!"], "c": [" samenwérking"], "d": ["samenwerking"]}
    assert aggregate("wordcloud", WORDS, answers) == {
        "respondents": 4,
        "words": [{"word": "samenwerking", "count": 4}, {"word": "huur", "count": 1}],
    }


def test_word_cloud_answers() -> None:
    normalise = TYPES["wordcloud"].normalise_answer
    assert normalise(WORDS, ["Huur", " huur!", "Wonen"]) == ["Huur", "Wonen"]  # repeats within one answer merge
    assert normalise(WORDS, "los woord") == ["los woord"]
    for value, message in [
        ([], "Type one or more words."),
        (["", "!!"], "Type one or more words."),
        ([1], "Type one or more words."),
        (["a", "b", "c", "d"], "Type at most 3 words."),
        (["x" * 41], "A word can be at most 40 characters."),
    ]:
        with pytest.raises(AnswerError) as error:
            normalise(WORDS, value)
        assert str(error.value) == message


def test_screens_get_sixty_words_and_the_export_gets_them_all() -> None:
    agg = TYPES["wordcloud"].new_aggregate(WORDS)
    answers = [record(f"p{n}", [f"woord{n:02d}"] + (["vaak"] if n % 2 else [])) for n in range(70)]
    for answer in answers:
        agg.add(answer)
    results = agg.results()
    assert len(results["words"]) == 60
    assert results["words"][0] == {"word": "vaak", "count": 35}
    assert results["words"][1] == {"word": "woord00", "count": 1}  # ties by key
    assert len(agg.table().rows) == 71
    agg.remove(answers[1])
    assert agg.results()["words"][0] == {"word": "vaak", "count": 34}
    assert "woord01" not in {w["word"] for w in agg.results()["words"]}


def test_equally_common_spellings_show_the_same_whatever_the_order_they_came_in() -> None:
    """The shown spelling once depended on arrival order, so the cloud could change after a restart."""
    shown = []
    for order in (["Samenwerking", "samenwérking"], ["samenwérking", "Samenwerking"]):
        agg = TYPES["wordcloud"].new_aggregate(WORDS)
        for n, word in enumerate(order):
            agg.add(record(f"p{n}", [word]))
        shown.append(agg.results()["words"])
    assert shown[0] == shown[1] == [{"word": "Samenwerking", "count": 2}]
