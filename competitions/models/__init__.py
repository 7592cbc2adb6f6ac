"""Competitions: pages (competitions, categories), rounds and rubrics, projects and their
attachments, judges, assignments and scores, awards and published results."""

from .judging import (
    CONFLICT_MESSAGE,
    JUDGES_GROUP,
    Assignment,
    CriterionScore,
    JudgeProfile,
    Score,
    judge_conflicts_with,
    judges,
)
from .pages import Category, CompetitionIndexPage, CompetitionPage, TimelineStep
from .projects import Project, ProjectAttachment, attachment_kind, validate_attachment
from .results import Award, Objection, ResultPublication
from .rounds import Criterion, Round

__all__ = [
    "CONFLICT_MESSAGE",
    "JUDGES_GROUP",
    "Assignment",
    "Award",
    "Category",
    "CompetitionIndexPage",
    "CompetitionPage",
    "Criterion",
    "CriterionScore",
    "JudgeProfile",
    "Objection",
    "Project",
    "ProjectAttachment",
    "ResultPublication",
    "Round",
    "Score",
    "TimelineStep",
    "attachment_kind",
    "judge_conflicts_with",
    "judges",
    "validate_attachment",
]
