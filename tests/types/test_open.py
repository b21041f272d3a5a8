"""Open text: a wall of cards, newest first; hidden cards only in the console; every card in the export."""

from __future__ import annotations

from dataclasses import replace

import pytest
from helpers import record
from hypothesis import given, settings
from hypothesis import strategies as st

from lab.questions import TYPES, AnswerError
from lab.questions.opentext import SHOWN_CARDS
from lab.records import HIDDEN, PENDING, SHOWN, Upvote, card_id
from lab.tally import Tally

OPEN = TYPES["open"].validate_settings({"max_length": 20})


def test_open_text_newest_first_and_hidden_cards_only_for_the_facilitator() -> None:
    kind = TYPES["open"]
    agg = kind.new_aggregate(OPEN)
    first = record("a", kind.normalise_answer(OPEN, "  eerste "))
    for answer in (first, record("b", "tweede"), record("c", "derde")):
        agg.add(answer)
    agg.remove(first)
    agg.add(record("a", "eerste, gewijzigd"))  # a changed answer is the newest
    agg.replace(record("b", "tweede"), record("b", "tweede", HIDDEN))  # moderation keeps the card's place
    assert agg.results() == {
        "respondents": 2,
        "cards": [
            {"card": card_id(1, "a"), "text": "eerste, gewijzigd", "status": "shown"},
            {"card": card_id(1, "c"), "text": "derde", "status": "shown"},
        ],
    }
    assert [(c["text"], c["status"]) for c in agg.results(facilitator=True)["cards"]] == [
        ("eerste, gewijzigd", "shown"), ("derde", "shown"), ("tweede", "hidden"),
    ]  # fmt: skip


def test_card_handles_differ_per_question_so_answers_cannot_be_linked() -> None:
    assert card_id(1, "a") == card_id(1, "a") != card_id(2, "a") != card_id(1, "b")
    assert len(card_id(1, "a")) == 12


def test_screens_get_the_newest_cards_and_the_export_gets_them_all() -> None:
    agg = TYPES["open"].new_aggregate(OPEN)
    answers = [record(f"p{n}", f"idee {n}") for n in range(SHOWN_CARDS + 50)]
    for answer in answers:
        agg.add(answer)
    agg.replace(answers[0], replace(answers[0], status=HIDDEN))
    assert len(agg.results()["cards"]) == SHOWN_CARDS
    table = agg.table()
    assert len(table.rows) == SHOWN_CARDS + 50
    assert [str(cell) for cell in table.rows[-1]] == ["idee 0", "hidden"]


def test_open_text_refuses_empty_and_too_long() -> None:
    for value, message in [
        ("   ", "Type an answer."),
        (5, "Type an answer."),
        ("x" * 21, "An answer can be at most 20 characters."),
    ]:
        with pytest.raises(AnswerError) as error:
            TYPES["open"].normalise_answer(OPEN, value)
        assert str(error.value) == message


def test_with_voting_each_card_has_its_votes_and_the_top_five_are_listed_apart() -> None:
    kind = TYPES["open"]
    voting = kind.validate_settings({"voting": True})
    assert voting["voting"] is True and kind.takes_upvotes(voting) and not kind.takes_upvotes(OPEN)
    tally = Tally(kind, voting)
    for n in range(8):
        tally.put(record(f"p{n}", f"idee {n}"))
    tally.restatus("p7", HIDDEN)
    votes = {0: 1, 1: 3, 2: 3, 3: 0, 4: 2, 5: 1, 6: 4, 7: 9}  # p7's card is hidden: its votes show nowhere
    for n, count in votes.items():
        for voter in range(count):
            tally.upvote(Upvote(1, 1, card_id(1, f"p{n}"), f"v{voter}"), True)
    results = tally.results()
    assert [(c["text"], c["votes"]) for c in results["top"]] == [
        ("idee 6", 4), ("idee 1", 3), ("idee 2", 3), ("idee 4", 2), ("idee 0", 1),
    ]  # fmt: skip
    assert results["cards"][0] == {"card": card_id(1, "p6"), "text": "idee 6", "status": "shown", "votes": 4}
    table = tally.aggregate.table()
    assert [str(h) for h in table.headers] == ["Answer", "Upvotes", "Status"]
    assert [list(map(str, row)) for row in table.rows[:2]] == [["idee 7", "9", "hidden"], ["idee 6", "4", "shown"]]
    assert "top" not in Tally(kind, OPEN, tally.answers.values()).results()  # without voting: no votes at all


step = st.one_of(
    st.tuples(st.just("answer"), st.integers(0, 5), st.sampled_from(["bankjes", "groen", "licht"])),
    st.tuples(st.just("status"), st.integers(0, 5), st.sampled_from([SHOWN, HIDDEN, PENDING])),
    st.tuples(st.just("upvote"), st.integers(0, 5), st.sampled_from(["a", "b", "c"]), st.booleans()),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(step, max_size=50))
def test_votes_on_ideas_kept_up_step_by_step_equal_a_recount(steps: list[tuple[object, ...]]) -> None:
    """With voting, answers, moderation and upvotes in any order give what the stored records and upvotes give."""
    config = TYPES["open"].validate_settings({"voting": True})
    live = Tally(TYPES["open"], config)
    upvotes: set[tuple[str, str]] = set()
    for kind, n, *rest in steps:
        participant = f"p{n}"
        if kind == "answer":
            old = live.answers.get(participant)
            live.put(record(participant, rest[0], old.status if old else SHOWN))
        elif kind == "status" and participant in live.answers:
            live.restatus(participant, str(rest[0]))
        elif kind == "upvote":
            item, voter, up = card_id(1, participant), str(rest[0]), bool(rest[1])
            (upvotes.add if up else upvotes.discard)((item, voter))
            live.upvote(Upvote(1, 1, item, voter), up)
    afresh = Tally(TYPES["open"], config, live.answers.values())
    for item, voter in sorted(upvotes):
        afresh.upvote(Upvote(1, 1, item, voter), True)
    assert live.results(facilitator=True) == afresh.results(facilitator=True)
    assert live.results() == afresh.results()
    assert live.aggregate.table() == afresh.aggregate.table()
