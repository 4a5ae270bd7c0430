"""The one shape of every extension point (after Open Forms' plugin registry).

A lower app owns a :class:`Registry` where it needs something only a higher app knows (portal's
catalog file sections, the campaigns' postal fee quote, the dossiers' postal legs and address
zones, the public procedure page's channels, the payment gateways); the higher app fills it in its
``AppConfig.ready()``, so no lower app ever imports a higher one::

    postal_fee_quoters = Registry("postal fee quoter")       # campaigns/policy.py
    postal_fee_quoters.register("postal", quote)             # postal/apps.py, in ready()
    for quoter in postal_fee_quoters: ...                    # in registration order
    postal_fee_quoters["postal"]                             # UnknownPlugin if none of that name

Registering a name again replaces the entry (``ready()`` may run twice in tests), in place.
"""

from collections.abc import Callable, Iterator


class UnknownPlugin(LookupError):
    """No entry of that name in the registry; the message names the registry and what it holds."""

    def __init__(self, registry, name):
        self.registry = registry
        self.name = name
        known = ", ".join(registry.names()) or "không có"
        super().__init__(f"{registry.kind}: không có mục tên {name!r} (đã đăng ký: {known})")


class Registry:
    """Named entries in registration order: `register(name, entry)` (or `@register(name)`),
    iteration over the entries, `registry[name]` / `get(name)` lookup, `name in registry`."""

    def __init__(self, kind: str):
        self.kind = kind
        self._entries: dict[str, object] = {}

    def register(self, name: str, entry=None) -> Callable | object:
        """Add (or replace) `entry` under `name`; without `entry`, a decorator that does so."""
        if not name or not isinstance(name, str):
            raise ValueError(f"{self.kind}: a registered name must be a non-empty string, not {name!r}")
        if entry is None:

            def decorator(item):
                self._entries[name] = item
                return item

            return decorator
        self._entries[name] = entry
        return entry

    def unregister(self, name: str) -> None:
        if name not in self._entries:
            raise UnknownPlugin(self, name)
        del self._entries[name]

    def __getitem__(self, name: str):
        try:
            return self._entries[name]
        except KeyError:
            raise UnknownPlugin(self, name) from None

    def get(self, name: str, default=None):
        return self._entries.get(name, default)

    def __contains__(self, name) -> bool:
        return name in self._entries

    def __iter__(self) -> Iterator:
        return iter(list(self._entries.values()))

    def __len__(self) -> int:
        return len(self._entries)

    def names(self) -> list[str]:
        return list(self._entries)

    def items(self) -> list[tuple[str, object]]:
        return list(self._entries.items())

    def __repr__(self) -> str:
        return f"<Registry {self.kind}: {', '.join(self.names())}>"
