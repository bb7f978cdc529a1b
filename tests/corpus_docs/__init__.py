"""The generated document corpus: the project's own synthetic reports as PDF, DOCX and DOC files.

Built at test or bench time into a temporary directory (nothing binary is committed): see `build.py`;
`fixtures.corpus()` builds once per test process. The bad-input tests make their broken files in code.
"""
