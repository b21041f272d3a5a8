"""Interface strings the browser scripts need, by key. Each is an English message id, translated once per language
into a script of its own, `/static/.../strings/<lang>.js` (lab.assets), which every live screen loads before its
modules (lab/static/util.js reads it), so JS shows the same catalogs as the templates. A question type's renderer
declares its own strings in its module (lab.questions).

Why a file and not the page's data block, where they were: they are 16 KB in Dutch, four fifths of a phone's page.
In a file they are compressed (a page is not: it holds a key and a token next to text a visitor typed, see
lab.app), fetched once and kept by the browser with the other files of its version, so a phone that opens the page
again loads 4 KB, not 20 (docs/performance.md, "A phone's page a fifth of what it was").
"""

from __future__ import annotations

import functools
import json

from . import i18n, questions
from .errors import N_
from .i18n import gettext as _

STRINGS: dict[str, str] = {
    # phone
    "waiting": N_("Wait for the next question"),
    "waiting_hint": N_("The question appears here by itself. You do not need to reload the page."),
    "received": N_("Your answer has been received"),
    "sending": N_("Sending…"),
    "change": N_("Change your answer"),
    "closed": N_("This question is closed"),
    "closed_unsent": N_("What you had filled in was not sent. If the question opens again, it is still there."),
    "not_sent": N_("Your answer could not be sent: that question is over."),
    "send": N_("Send"),
    "offline": N_("Connection lost. Reconnecting…"),
    "offline_kept": N_("No connection. Your answer is kept and will be sent as soon as the connection is back."),
    "your_answer": N_("Your answer"),
    "reaction_like": N_("Thumbs up"),
    "reaction_heart": N_("Heart"),
    "reaction_question": N_("I have a question"),
    "reaction_louder": N_("Speak up"),
    "reactions": N_("Reactions"),
    "held": N_("The facilitator looks at your answer first. Then the others see it too."),
    "time_left": N_("Time left: %(time)s"),
    "seconds_left": N_("%(n)s seconds left to answer"),
    "nickname": N_("Your name (optional)"),
    "nickname_hint": N_(
        "You may leave this empty. A name you fill in is kept with your answers and appears in the report."
    ),
    "save": N_("Save"),
    "saved": N_("Saved"),
    "room_gone": N_("This session has ended. Thank you for taking part!"),
    "page_stale": N_("This page no longer works. Open it again through the code or the QR code."),
    "retry": N_("Try again"),
    "enter_code": N_("Type my code"),
    # member codes, in the console
    "members_only": N_("Only members with a code take part."),
    "anyone_answers": N_("Anyone with the session code takes part."),
    "member_codes": N_("%(n)s codes."),
    "member_codes_withdrawn": N_("%(n)s codes; %(withdrawn)s withdrawn."),
    "withdraw_confirm": N_("Withdraw the code of %(id)s? It can no longer answer."),
    "reissue_confirm": N_("Give %(id)s a new code? The old code stops working; answers given with it stay."),
    "reissued": N_("%(id)s has a new code: %(code)s."),
    "reissued_letter": N_("Letter with the new code (PDF)"),
    "seal_confirm": N_(
        "End the vote now? Every question closes and the link between the codes and the answers is "
        "erased for good. This cannot be undone."
    ),
    "sealed": N_("The vote has ended; the link between the codes and the answers is erased."),
    "question_n": N_("Question %(n)s"),
    "not_filled_in": N_("not filled in"),
    "ballot_text": N_("The answer as written on the ballot"),
    "no_paper_questions": N_("This session has no questions that can be answered on paper."),
    "ballots_summary": N_("Ballots entered: %(entered)s · counted: %(counted)s · with a difference: %(differing)s"),
    "no_ballots": N_("No ballots entered yet."),
    "ballot_differs": N_("the tellers differ:"),
    "teller_said": N_("teller %(n)s entered"),
    "ballot_waits": N_("waits for teller %(n)s."),
    "no_ballots_to_check": N_("Nothing to check: every ballot entered by both tellers is counted."),
    "ballot_code_needed": N_("Type the code or number on the ballot."),
    "ballot_counted": N_("Ballot %(ballot)s is counted: both tellers entered the same."),
    "ballot_entered_differs": N_("Ballot %(ballot)s is saved, but differs from the other teller's entry: see below."),
    "ballot_entered": N_("Ballot %(ballot)s is saved. It counts once the other teller has entered the same."),
    "ballot_on_phone": N_("Not taken from it: question %(questions)s, which this member answered on a phone."),
    "consultation_saved": N_("The consultation's settings are saved."),
    "paced_nav": N_("Questions"),
    "paced_where": N_("Question %(n)s of %(of)s"),
    "paced_until": N_("You can answer until %(when)s."),
    "paced_ended": N_("This consultation has closed."),
    "paced_back": N_("Previous"),
    "paced_next": N_("Next"),
    "paced_finish": N_("Finish"),
    "paced_not_yet": N_("This consultation starts on %(when)s."),
    "paced_open_left": N_("You have not answered every question yet: %(n)s left."),
    "paced_done": N_("Thank you! You have answered every question."),
    "paced_review": N_("See my answers again"),
    "paced_outcome": N_("What was done with your opinion"),
    "paced_results_hint": N_("The results are published: you see them under each question."),
    "proxy_of": N_("%(holder)s votes for %(giver)s too."),
    "proxy_end": N_("Take away"),
    "proxy_end_of": N_("Take away the proxy of %(giver)s held by %(holder)s"),
    "no_proxies": N_("No proxies recorded."),
    "hands_count": N_("Count a show of hands"),
    "hands_hint": N_("How many raised a hand for each option. The hands count with the phones' answers."),
    "hands_save": N_("Use this count"),
    # results
    "results": N_("Results"),
    "ideas": N_("The ideas"),
    "results_below": N_("The results are shown below the question."),
    "answers": N_("%(n)s answers"),
    "one_answer": N_("1 answer"),
    "turnout": N_("%(n)s of %(of)s members answered (%(percent)s)"),  # percent: "6%"
    "turnout_weighed": N_("weighed %(n)s of %(of)s (%(percent)s)"),
    "average": N_("average"),
    "no_answers": N_("No answers yet"),
    "results_hidden": N_("Results follow soon"),
    "participants": N_("%(n)s participants"),
    "one_participant": N_("1 participant"),
    # comparing rounds (every screen)
    "round_title": N_("Round %(n)s"),
    "round_now": N_("Round %(n)s (now)"),
    "change_points": N_("%(change)s percentage points"),
    "round_change": N_("change %(change)s"),
    # console
    "queue_title": N_("To look at: %(waiting)s waiting, %(hidden)s hidden"),
    "approve": N_("Approve"),
    "hide": N_("Hide"),
    "show": N_("Show"),
    "hidden_card": N_("hidden"),
    "waiting_approval": N_("Waiting for your approval"),
    "remove_participant": N_("Remove participant"),
    "remove_confirm": N_(
        "Remove this participant from the session? All their answers are hidden, "
        "and their phone can no longer take part."
    ),
    "compare_rounds": N_("Compare with round %(n)s"),
    "by_group": N_("Results per group"),
    "floor_saved": N_("The privacy floor is saved."),
    "groups_title": N_("Per group"),
    "groups_other": N_("Other groups together"),
    "groups_none": N_("Not shown per group: there are too few answers in each group to show them apart."),
    "image_preview": N_("The chosen image"),
    "image_remove": N_("Remove the image"),
    "image_uploading": N_("Uploading the image…"),
    "image_ready": N_("The image is ready. It is saved with the question."),
    "timer_seconds": N_("Countdown (seconds)"),
    "timer_start": N_("Start countdown"),
    "timer_stop": N_("Stop countdown"),
    "notes": N_("Presenter notes"),
    "planned_min": N_("%(n)s min planned"),
    "shown_for": N_("on screen %(time)s"),
    "push": N_("Show this question"),
    "open": N_("Open answering"),
    "close": N_("Close answering"),
    "results_projector_on": N_("Show results on the projector"),
    "results_projector_off": N_("Hide results on the projector"),
    "results_phones_on": N_("Show results on phones"),
    "results_phones_off": N_("Hide results on phones"),
    "reset": N_("Start again"),
    "round_n": N_("round %(n)s"),
    "reset_confirm": N_("Start this question again? Everyone answers anew; the answers so far are kept in the export."),
    "next": N_("Next"),
    "prev": N_("Previous"),
    "waiting_screen": N_("Waiting screen"),
    "status_hidden": N_("not shown yet"),
    "status_open": N_("open"),
    "status_closed": N_("closed"),
    "current": N_("on screen"),
    "add_question": N_("Add a question"),
    "edit_question": N_("Change the question"),
    "edit": N_("Edit"),
    "delete": N_("Delete"),
    "delete_confirm": N_("Delete this question and its answers?"),
    "move_up": N_("Move up"),
    "move_down": N_("Move down"),
    "cancel": N_("Cancel"),
    "no_questions": N_("No questions yet. Add one below."),
    "error": N_("Something went wrong. Please try again."),
    # console: the report (verslag) and the themes of open answers
    "details_saved": N_("The details for the report have been saved."),
    "saving": N_("Saving…"),
    "themes_loading": N_("Loading the themes…"),
    "themes_saved": N_("The themes have been saved."),
    "themes_auto": N_("The answers are grouped automatically again."),
    "themes_auto_confirm": N_("Group the answers automatically again? Your changes to the themes are lost."),
    "themes_corrected": N_("You have changed these themes. The report uses them as they are here."),
    "themes_automatic": N_("lab made these themes. Change them where they do not fit; the report uses what you save."),
    "themes_none": N_("There are no answers to group yet."),
    "theme_name": N_("Name of theme %(n)s"),
    "theme_answers": N_("%(n)s answers in this theme"),
    "move_to": N_("Move to"),
    "move": N_("Move"),
    "stays": N_("(stays here)"),
    "new_theme": N_("New theme"),
    "new_theme_name": N_("New theme %(n)s"),
    "moved": N_("Moved to %(name)s."),
    "merge_with": N_("Merge with"),
    "merge": N_("Merge"),
    "merged": N_("Merged with %(name)s."),
    "edit_themes_of": N_("Edit themes: %(prompt)s"),
    "chart_png": N_("question %(n)s as PNG"),
    "chart_svg": N_("question %(n)s as SVG"),
    "no_charts": N_("No questions with a chart yet."),
    "no_open": N_("No open questions yet."),
}


@functools.cache
def translated(lang: str) -> dict[str, str]:
    """Every screen's strings in `lang`, the renderers' too (the catalogs are read once)."""
    token = i18n.current.set(lang)
    try:
        return {key: _(msgid) for key, msgid in {**STRINGS, **questions.strings()}.items()}
    finally:
        i18n.current.reset(token)


def script(lang: str) -> bytes:
    """The strings in `lang` as the classic script that sets them for the screen's modules (JSON is JavaScript, but
    for the line and paragraph separators in older browsers: escaped)."""
    text = json.dumps(translated(lang), ensure_ascii=False).replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    return b"window.labStrings = " + text.encode() + b";\n"


def scripts() -> dict[str, bytes]:
    """The strings' script in every language, by file name below lab's static files."""
    return {f"strings/{lang}.js": script(lang) for lang in i18n.LANGUAGES}
