"""Sessions kept in the database and the shared cache, read together with the generations.

Django's ``cached_db`` store (``SESSION_ENGINE``: every write goes to the table and to the
default cache, a read comes from the cache, or from the table when the cache lost it). A
signed-in page needs two more keys of that cache on every view: the content generation
(``page_cache``) and the accounts generation (``users``). This store reads them in the same
``get_many`` as the session, so on PostgreSQL a page makes one round trip for the three
instead of three.
"""

from typing import TYPE_CHECKING, Any

from django.contrib.sessions.backends.cached_db import SessionStore as CachedDBStore
from django.http import HttpRequest

# The keys read with every session, in the default cache (the session's): the content
# generation (marketplace_site.web.page_cache) and the accounts one (marketplace_site.web.users).
CONTENT_GENERATION_KEY = "pages:generation"
USERS_GENERATION_KEY = "users:generation"
PREFETCHED = (CONTENT_GENERATION_KEY, USERS_GENERATION_KEY)


class SessionStore(CachedDBStore):
    if TYPE_CHECKING:  # cached_db's own, which django-stubs leaves out
        from django.contrib.sessions.models import Session
        from django.core.cache.backends.base import BaseCache

        _cache: BaseCache

        def _get_session_from_db(self) -> Session | None: ...

    def __init__(self, session_key: str | None = None) -> None:
        super().__init__(session_key)
        self.prefetched: dict[str, Any] = {}

    def load(self) -> dict[str, Any]:
        """The session's data (as ``cached_db``), and ``prefetched``: each of PREFETCHED's
        keys to its value in the cache, None when it has none."""
        cache_key = self.cache_key
        try:
            found = self._cache.get_many([cache_key, *PREFETCHED])
        except Exception:
            # As cached_db: some backends raise on a key they cannot store (Django #17810).
            found = {}
        self.prefetched = {key: found.get(key) for key in PREFETCHED}
        data: dict[str, Any] | None = found.get(cache_key)
        if data is not None:
            return data
        row = self._get_session_from_db()
        if not row:
            return {}
        data = self.decode(row.session_data)
        self._cache.set(cache_key, data, self.get_expiry_age(expiry=row.expire_date))
        return data


def prefetched(request: HttpRequest, key: str) -> tuple[bool, Any]:
    """``(True, value)``: ``key`` (one of PREFETCHED) as read with ``request``'s session,
    which this loads if nothing has yet, value None when the cache had none; ``(False,
    None)`` when the request has no session cookie, or sessions are not this store."""
    store = getattr(request, "session", None)
    if not isinstance(store, SessionStore) or store.session_key is None:
        return False, None
    # A session is loaded on its first read: `in` is a read.
    _ = "" in store
    if key not in store.prefetched:
        return False, None
    return True, store.prefetched[key]
