# Search documents arrive with the full-text search issue.
