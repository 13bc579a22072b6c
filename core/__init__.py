"""Shared plumbing with no domain models: audit attribution (and, in time, the admin, form,
date and URL helpers every app uses)."""
