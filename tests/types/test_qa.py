"""A Q&A: its settings, what a question sent to it may be, and that its board kept up one post and one upvote at a
time equals the board counted afresh from what is stored."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lab.decks import parse_question
from lab.questions import TYPES, AnswerError, SettingsError
from lab.questions.qa import SHOWN_POSTS, Board
from lab.records import HIDDEN, PENDING, SHOWN, Post, Upvote
from lab.tally import Tally

QA = TYPES["qa"]


def test_a_q_and_a_takes_names_and_a_length() -> None:
    question = parse_question({"type": "qa", "prompt": "Uw vragen", "names": False, "premoderate": True})
    assert dict(question.settings) == {
        "max_length": 280, "names": False, "premoderate": True,
        "allow_change": True, "timer": 0, "notes": "", "planned_minutes": 0,
    }  # fmt: skip
    assert QA.anytime and not QA.answerable and QA.has_text


@pytest.mark.parametrize(
    ("raw", "field", "message"),
    [
        ({"names": "ja"}, "names", "must be true or false"),
        ({"max_length": 5}, "max_length", "must be from 10 to 1000"),
        ({"allow_change": False}, "allow_change", "a Q&A always lets participants take back an upvote"),
        ({"options": ["a", "b"]}, "options", "unknown setting for this question type"),
    ],
)
def test_a_q_and_a_refuses_what_does_not_fit(raw: dict[str, object], field: str, message: str) -> None:
    with pytest.raises(SettingsError) as refused:
        parse_question({"type": "qa", "prompt": "Uw vragen", **raw})
    assert str(refused.value) == f"{field}: {message}"


def test_a_question_to_send_is_tidied_and_checked() -> None:
    config = {"max_length": 20}
    assert QA.normalise_post(config, "  Komt er\n een   lift? ") == "Komt er een lift?"
    for bad, said in [("", "Type your question first."), ("  \n ", "Type your question first."),
                      (None, "Type your question first."), (["vraag"], "Type your question first."),
                      ("x" * 21, "A question can be at most 20 characters.")]:  # fmt: skip
        with pytest.raises(AnswerError) as refused:
            QA.normalise_post(config, bad)
        assert str(refused.value) == said
    with pytest.raises(AnswerError):
        QA.normalise_answer(config, "een antwoord")  # a Q&A takes posts, never answer records


def test_the_board_orders_by_answered_then_votes_then_age_and_hides_what_is_not_shown() -> None:
    tally = Tally(QA, {"max_length": 280, "names": True})
    posts = [Post(n, 1, 1, f"p{n}", f"Vraag {n}", status=SHOWN) for n in range(1, 6)]
    for post in posts:
        tally.put_post(post)
    tally.put_post(replace(posts[3], status=PENDING))
    tally.put_post(replace(posts[4], answered=True, pinned=True))
    for voter, item in [("a", "p2"), ("b", "p2"), ("a", "p3"), ("a", "p5"), ("b", "p5"), ("c", "p5")]:
        tally.upvote(Upvote(1, 1, item, voter), True)
    results = tally.results()
    assert [(p["post"], p["votes"], p["answered"]) for p in results["posts"]] == [
        (2, 2, False), (3, 1, False), (1, 0, False), (5, 3, True),
    ]  # fmt: skip
    assert results["pinned"] == 5 and results["questions"] == 4 and results["respondents"] == 4
    assert [p["post"] for p in tally.results(facilitator=True)["posts"]] == [2, 3, 1, 4, 5]
    assert tally.results(facilitator=True)["posts"][3]["status"] == PENDING
    tally.drop_voter("a")  # removed from the room: their upvotes count no more
    assert [(p["post"], p["votes"]) for p in tally.results()["posts"]] == [(2, 1), (1, 0), (3, 0), (5, 2)]


def test_a_screen_gets_a_long_board_cut_short_and_an_export_gets_all_of_it() -> None:
    board = Board()
    for n in range(SHOWN_POSTS + 30):
        board.post(Post(n, 1, 1, f"p{n}", f"Vraag {n}"))
    assert len(board.results()["posts"]) == SHOWN_POSTS
    assert len(board.table().rows) == SHOWN_POSTS + 30


# Steps: a post sent, a post's status/answered/pinned changed, an upvote given or taken back.
step = st.one_of(
    st.tuples(st.just("post"), st.integers(0, 9), st.sampled_from(["p1", "p2", "p3"])),
    st.tuples(st.just("status"), st.integers(0, 9), st.sampled_from([SHOWN, PENDING, HIDDEN])),
    st.tuples(st.just("answered"), st.integers(0, 9), st.booleans()),
    st.tuples(st.just("upvote"), st.integers(0, 9), st.sampled_from(["a", "b", "c", "d"]), st.booleans()),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(step, max_size=60))
def test_the_board_kept_up_step_by_step_equals_the_board_counted_afresh(steps: list[tuple[object, ...]]) -> None:
    live = Tally(QA, {"max_length": 280, "names": True})
    stored: dict[int, Post] = {}
    upvotes: set[tuple[str, str]] = set()
    for kind, n, *rest in steps:
        assert isinstance(n, int)
        if kind == "post" and n not in stored:
            stored[n] = Post(n, 1, 1, str(rest[0]), f"Vraag {n}")
        elif kind in ("status", "answered") and n in stored:
            stored[n] = replace(stored[n], **{kind: rest[0]})  # type: ignore[arg-type]
        elif kind == "upvote" and n in stored:
            voter, up = str(rest[0]), bool(rest[1])
            (upvotes.add if up else upvotes.discard)((f"p{n}", voter))
            live.upvote(Upvote(1, 1, f"p{n}", voter), up)
            continue
        else:
            continue
        live.put_post(stored[n])
    afresh = Tally(QA, {"max_length": 280, "names": True})
    for post in sorted(stored.values(), key=lambda p: p.id):
        afresh.put_post(post)
    for item, voter in sorted(upvotes):
        afresh.upvote(Upvote(1, 1, item, voter), True)
    assert live.results(facilitator=True) == afresh.results(facilitator=True)
    assert live.results() == afresh.results()
    assert live.aggregate.table() == afresh.aggregate.table()
