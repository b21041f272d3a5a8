"""Interface strings the browser scripts need, by key. Each is an English message id, translated per request and
handed to the page in its data block (`data.strings`), so JS shows the same catalogs as the templates. A question
type's renderer declares its own strings in its module (lab.questions)."""

from __future__ import annotations

from .errors import N_

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
    # results
    "results": N_("Results"),
    "results_below": N_("The results are shown below the question."),
    "answers": N_("%(n)s answers"),
    "one_answer": N_("1 answer"),
    "average": N_("average"),
    "no_answers": N_("No answers yet"),
    "results_hidden": N_("Results follow soon"),
    "participants": N_("%(n)s participants"),
    "one_participant": N_("1 participant"),
    # console
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
}
