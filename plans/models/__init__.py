"""Case-work models, one module per aggregate."""

from .subjects import Subject, SubjectAlias

__all__ = ["Subject", "SubjectAlias"]
