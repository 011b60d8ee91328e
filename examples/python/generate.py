#!/usr/bin/env python3
"""generate.py: identity vectors from an .npy file -> PNG face images.

    python3 examples/python/generate.py MODEL_DIR VECTORS.npy OUT_DIR [--per-id K] [--seed S]

Writes OUT_DIR/<row>_<k>.png: K images (different masks) per vector, the
same files, byte for byte, as the C example v2f_example_generate. Uses the
vec2face ctypes binding (PYTHONPATH=bindings/python or `pip install
bindings/python`); numpy is not needed.
"""

import argparse
import os
import sys
from typing import List, Optional

try:
    import vec2face
except ImportError:  # running from a checkout without installing
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                                    "bindings", "python"))
    import vec2face


def main(argv: Optional[List[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("model_dir", help="directory made by python3 -m vec2face_torch.export "
                                      "(needs generator.pt)")
    ap.add_argument("vectors", help="float32 [n,512] .npy of identity vectors")
    ap.add_argument("out_dir", help="directory for <row>_<k>.png (created if missing)")
    ap.add_argument("--per-id", type=int, default=1, metavar="K",
                    help="images per vector, each with its own masks (default 1)")
    ap.add_argument("--seed", type=int, default=0, metavar="S",
                    help="seed of the mask randomness (default 0)")
    ap.add_argument("--batch", type=int, default=64, metavar="B",
                    help="images per generate call, a multiple of 16 (the library's forward "
                         "batch) so that the pixels match the C example (default 64)")
    ap.add_argument("--device", default=None, help='"cpu" (default) or "cuda:N"')
    args = ap.parse_args(argv)
    if not 1 <= args.per_id <= 1000:
        ap.error("--per-id must be in 1..1000")
    if args.batch < 16 or args.batch % 16:
        ap.error("--batch must be a positive multiple of 16")

    try:
        data, (rows, cols) = vec2face.read_npy_shape(args.vectors)
        if cols != vec2face.VECTOR_DIM:
            print(f"generate.py: {args.vectors}: {cols} columns, need 512", file=sys.stderr)
            return 1
        os.makedirs(args.out_dir, exist_ok=True)
        flat = data.tobytes()  # numpy array or array.array('f')
        row_bytes = 4 * vec2face.VECTOR_DIM
        # (identity, image) keys: row r, image k; same masks as the C example
        keys = [(r, k) for r in range(rows) for k in range(args.per_id)]
        written = 0
        with vec2face.Model(args.model_dir, device=args.device) as model:
            for start in range(0, len(keys), args.batch):
                chunk = keys[start:start + args.batch]
                vecs = b"".join(flat[r * row_bytes:(r + 1) * row_bytes] for r, _ in chunk)
                images = model.generate(vecs, seed=args.seed,
                                        identity_index=[r for r, _ in chunk],
                                        image_index=[k for _, k in chunk])
                buf = images.tobytes() if hasattr(images, "tobytes") else bytes(images)
                for i, (r, k) in enumerate(chunk):
                    img = buf[i * vec2face.IMAGE_BYTES:(i + 1) * vec2face.IMAGE_BYTES]
                    vec2face.write_image(os.path.join(args.out_dir, f"{r}_{k}.png"), img)
                    written += 1
    except (vec2face.Vec2FaceError, ImportError) as e:
        print(f"generate.py: {e}", file=sys.stderr)
        return 1
    print(f"wrote {written} images to {args.out_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
