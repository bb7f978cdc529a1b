"""The generated document corpus: the project's own synthetic reports as PDF, DOCX and DOC files.

Built at test or bench time into a temporary directory (nothing binary is committed): see `build.py`.
`bad/` holds a few tiny hand-made broken files for the bad-input tests.
"""
