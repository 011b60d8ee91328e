"""libvec2face Python package.

The converter modules (``vec2face.reference``, ``vec2face.export``) need
PyTorch; nothing else in this package imports it.
"""

__version__ = "0.1.0"
