"""Reusable scratch arrays for training loops.

Training allocates the same large temporaries (time-major inputs, gate
caches, gradients of the pre-activations) for every batch.  Fresh arrays of
a few MB come from new pages each time, and the page faults cost about as
much as the arithmetic; a :class:`Scratch` hands out views of buffers it
keeps, so a loop touches the same memory batch after batch.
"""
import math

import numpy as np

__all__ = ["Scratch"]


class Scratch:
    """Named buffers that grow to the largest request and are then reused.

    ``empty(key, shape, dtype)`` returns a C-contiguous array of ``shape``
    whose contents are undefined; the same key returns the same memory
    again, so a caller must be done with the previous array of that key.
    Memory held: one buffer per key, as large as its largest request.
    """

    def __init__(self):
        self._buffers = {}

    def empty(self, key, shape, dtype):
        size = math.prod(shape)
        dtype = np.dtype(dtype)
        buf = self._buffers.get(key)
        if buf is None or buf.size < size or buf.dtype != dtype:
            buf = np.empty(size, dtype=dtype)
            self._buffers[key] = buf
        return buf[:size].reshape(shape)

    def zeros(self, key, shape, dtype):
        out = self.empty(key, shape, dtype)
        out.fill(0)
        return out
