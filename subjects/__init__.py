"""The subject (force schema): a person managed under a protective order, and their aliases;
the subject list, the case file, recording and changing a subject."""
