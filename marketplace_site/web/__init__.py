"""Plumbing: middleware, rate limits, the visitor page cache, login throttling, API tokens.

Nothing here knows a page, an action or an app; views, the API and actions use it."""
