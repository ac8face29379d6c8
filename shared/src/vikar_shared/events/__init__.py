from vikar_shared.events.envelope import Envelope, EventData

__all__ = ["Envelope", "EventData"]
