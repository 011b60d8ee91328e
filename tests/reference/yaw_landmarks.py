"""Landmark images of a turned head, drawn here (NumPy only) for the pose
fidelity checks.

The five points (eyes, nose tip, mouth corners) of the 112x112 ArcFace
template are given a depth, rotated about the vertical axis by the yaw and
projected orthographically. The dots (radius 3, the official colours) are
drawn with anti-aliased edges (8x8 supersampling) and blurred a little, as
a resized or JPEG-compressed landmark map is: the grey levels are what
makes the float16 rounding of the official preprocessing matter (pure
0/255 pixels give -1 and 1, exact in float16).
"""

import math

import numpy as np

# ArcFace 112x112 five-point template (x, y) with a depth in pixels
# (positive toward the camera): nose tip ~11 px in front of the eyes.
TEMPLATE = np.array([[38.2946, 51.6963, 0.0], [73.5318, 51.5014, 0.0],
                     [56.0252, 71.7366, 11.0], [41.5493, 92.3655, 3.0],
                     [70.7299, 92.2041, 3.0]])
COLOURS = np.array([(255, 0, 0), (255, 0, 0), (0, 255, 0), (0, 0, 255), (0, 0, 255)], float)


def yaw_points(yaw_deg):
    """[5][2] float32 points of the template turned by yaw_deg."""
    t = math.radians(yaw_deg)
    x = 56.0 + (TEMPLATE[:, 0] - 56.0) * math.cos(t) + TEMPLATE[:, 2] * math.sin(t)
    return np.stack([x, TEMPLATE[:, 1]], 1).astype(np.float32)


def soft_landmark_image(points, radius=3.0, blur=1.0, ss=8):
    """uint8 [112][112][3]: dots at points, anti-aliased, Gaussian blur sigma."""
    c = (np.arange(112 * ss) + 0.5) / ss - 0.5       # sub-sample centres, pixel units
    yy, xx = np.meshgrid(c, c, indexing="ij")
    img = np.zeros((112 * ss, 112 * ss, 3))
    for (px, py), col in zip(points, COLOURS):
        img[(xx - px) ** 2 + (yy - py) ** 2 <= radius * radius] = col
    img = img.reshape(112, ss, 112, ss, 3).mean(axis=(1, 3))
    if blur > 0:
        k = np.arange(-3, 4)
        w = np.exp(-k * k / (2 * blur * blur))
        w /= w.sum()
        for axis in (0, 1):
            img = sum(wi * np.roll(img, int(ki), axis=axis) for ki, wi in zip(k, w))
    return np.clip(np.rint(img), 0, 255).astype(np.uint8)


def yaw_landmark_images(yaws):
    """uint8 [n][112][112][3], one soft landmark image per yaw (degrees)."""
    return np.stack([soft_landmark_image(yaw_points(y)) for y in yaws])
