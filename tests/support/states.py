"""Stand-ins for Beam's user state when a test calls a DoFn's process() directly."""


class ValueState:
    """A ReadModifyWriteState: read() gives what write() stored last (None at first)."""

    def __init__(self):
        self.value = None

    def read(self):
        return self.value

    def write(self, value):
        self.value = value

    def clear(self):
        self.value = None
