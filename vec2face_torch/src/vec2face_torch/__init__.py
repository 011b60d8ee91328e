"""The torch side of libvec2face: the Vec2Face+ reference networks and the
converter that writes the model files the C library loads.

  python3 -m vec2face_torch.export --official DIR --out MODELDIR
  python3 -m vec2face_torch.export --random --size tiny|base --seed N --out MODELDIR

It needs PyTorch (and numpy); it does not use the ctypes binding (package
``vec2face``), which in turn never imports torch.
"""

# Written into every exported file (v2f_exporter); kept equal to the
# library's version.
__version__ = "0.3.0"
