"""Imported first in the report's fork server (lab.report.workers): it lowers that process's priority before the
heavy imports start, so that those seconds of work, and every report after them (the workers are forked from it and
inherit the priority), give way to the live rooms whenever both want a core."""

from __future__ import annotations

import os

from .workers import NICENESS

os.nice(NICENESS)
