"""An SMS backend that sends nothing, for the registration benchmark.

``core.sms.ConsoleSMSBackend`` would log every message and ``MemorySMSBackend``
keeps them all in memory; this one lets the notice be rendered and "sent" at no further cost.
"""


class NullSMSBackend:
    def send(self, phone: str, message: str) -> None:
        """Drop the message."""
