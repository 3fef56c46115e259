"""The draft acta (DOCX) and certificates."""
