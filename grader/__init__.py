"""The course's grader: runs a phase's hidden checks against a learner's Book API."""
