"""Augmentation that makes MNIST look more like digits drawn in a browser.

People draw off-centre, tilted, too big or too small, with a thinner or
thicker pen, and never as neatly as MNIST's scanned forms; paper and cheap
scans blur the strokes. Training on randomly shifted, rotated, scaled,
thickened, thinned, softened and elastically distorted copies teaches a model
to survive that. Everything is vectorised over the batch, so a fresh copy of
the training set costs under a second.
"""

from __future__ import annotations

from collections.abc import Generator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
from scipy import ndimage

__all__ = ["ELASTIC", "LIGHT", "SETTINGS", "Augmentation", "augment", "augmented_epochs"]

SIDE = 28
CHUNK = 4096
#: Images whose sampling grids are made and used together (see :func:`_augment_chunk`).
BLOCK = 256
ELASTIC_GRID = 4


def _upsample_matrix(size: int, coarse: int) -> np.ndarray:
    """Linear interpolation from ``coarse`` grid points to ``size`` pixels, as a matrix."""
    positions = np.linspace(0, coarse - 1, size)
    low = np.minimum(np.floor(positions).astype(int), coarse - 2)
    weight = positions - low
    matrix = np.zeros((size, coarse), dtype=np.float32)
    matrix[np.arange(size), low] = 1 - weight
    matrix[np.arange(size), low + 1] = weight
    return matrix


def _gaussian_matrix(size: int, sigma: float) -> np.ndarray:
    """Gaussian smoothing along one axis, as a matrix (zero beyond the edges, like Simard's)."""
    offsets = np.arange(size)[:, None] - np.arange(size)[None, :]
    kernel = np.exp(-0.5 * (offsets / sigma) ** 2)
    return (kernel / (sigma * np.sqrt(2 * np.pi))).astype(np.float32)


_UPSAMPLE = _upsample_matrix(SIDE, ELASTIC_GRID)


@dataclass(frozen=True)
class Augmentation:
    """How strong each random change is (drawn independently for every image)."""

    share: float = 0.5  # of the images distorted each time; the rest stay as they are
    max_shift: float = 2.0  # pixels
    max_rotation: float = 12.0  # degrees
    scale_range: tuple[float, float] = (0.85, 1.1)
    thickness_share: float = 0.4  # share of images made thicker or thinner
    elastic_share: float = 0.5  # share of images bent elastically
    elastic_alpha: float = 1.5  # strength of the bending
    # 0: the bending is random on a coarse 4×4 grid, interpolated (alpha: pixels at most).
    # Above 0: random per pixel, smoothed by a Gaussian this wide, as Simard et al. (2003).
    elastic_sigma: float = 0.0
    max_shear: float = 0.0  # slant: horizontal shift per pixel of height, either way
    # Share of images softened as a low-resolution scan, enlarged, shows a digit: strokes spread by
    # a Gaussian of 0.5 to 1.5 pixels, then inked up again, so they come out thicker with soft edges.
    soft_share: float = 0.0


#: The distortions of ``augment="light"``: mild, and half the images left as they are.
LIGHT = Augmentation(soft_share=0.3)
#: The distortions of ``augment="elastic"``: Simard et al.'s elastic distortions
#: (σ = 4, α = 34) with rotation, slant, scale, shift, pen thickness and softening, on most images.
ELASTIC = Augmentation(
    share=0.85,
    max_rotation=12.0,
    scale_range=(0.85, 1.1),
    elastic_share=0.8,
    elastic_alpha=34.0,
    elastic_sigma=4.0,
    max_shear=0.3,
    soft_share=0.3,
)
#: The distortions of each ``ModelSpec.augment`` level.
SETTINGS = {"light": LIGHT, "elastic": ELASTIC}


def augment(images: np.ndarray, rng: np.random.Generator, settings: Augmentation | None = None) -> np.ndarray:
    """Randomly changed copies of ``images``; the labels stay valid.

    Args:
        images: ``(n, 784)`` or ``(n, 28, 28)`` floats in [0, 1].
        rng: the source of randomness (seed it for repeatable results).
        settings: the strengths; :class:`Augmentation` defaults when omitted.

    Returns:
        ``(n, 784)`` float32 in [0, 1].
    """
    settings = settings or LIGHT
    x = np.asarray(images, dtype=np.float32).reshape(-1, SIDE, SIDE)
    out = x.reshape(len(x), SIDE * SIDE).copy()
    # Keeping some images as they are holds on to MNIST's own look, and halves the cost.
    chosen = np.flatnonzero(rng.random(len(x)) < settings.share)
    # In chunks: the sampling coordinates of a whole training set would take a gigabyte.
    for start in range(0, len(chosen), CHUNK):
        rows = chosen[start : start + CHUNK]
        out[rows] = _augment_chunk(x[rows], rng, settings)
    return out


def augmented_epochs(
    images: np.ndarray, rng: np.random.Generator, settings: Augmentation, epochs: int
) -> Generator[np.ndarray, None, None]:
    """A fresh :func:`augment` copy of ``images`` for each of ``epochs`` epochs.

    The next epoch's copy is made in a background thread while the caller trains
    on the current one: NumPy releases the GIL in its heavy loops, so distorting
    overlaps with training (a second of a 5-second epoch for the best preset).
    The copies are the same as calling :func:`augment` in turn with ``rng``.
    """
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="augment")
    try:
        upcoming = pool.submit(augment, images, rng, settings)
        for epoch in range(epochs):
            current = upcoming.result()
            if epoch + 1 < epochs:
                upcoming = pool.submit(augment, images, rng, settings)
            yield current
    finally:  # a run stopped early does not wait for a copy it will not use
        pool.shutdown(wait=False, cancel_futures=True)


def _augment_chunk(x: np.ndarray, rng: np.random.Generator, settings: Augmentation) -> np.ndarray:
    n = len(x)
    x = _thickness(x, rng, settings.thickness_share)
    if settings.soft_share:
        x = _soften(x, rng, settings.soft_share)

    # Every image's random changes, drawn for the whole chunk.
    angle = np.deg2rad(rng.uniform(-settings.max_rotation, settings.max_rotation, n))
    scale = rng.uniform(*settings.scale_range, n)
    shift = rng.uniform(-settings.max_shift, settings.max_shift, (n, 2)).astype(np.float32)
    # float32 throughout: the arrays below hold a number per pixel of every image.
    cos = (np.cos(angle) / scale).astype(np.float32)[:, None, None]
    sin = (np.sin(angle) / scale).astype(np.float32)[:, None, None]
    shear = (
        rng.uniform(-settings.max_shear, settings.max_shear, n).astype(np.float32)[:, None, None]
        if settings.max_shear
        else None
    )
    bent = rng.random(n) < settings.elastic_share
    smooth = None
    if bent.any():
        # Smooth random displacement: M · noise · Mᵀ, with M interpolating a coarse grid
        # up to 28×28, or smoothing a per-pixel one with a Gaussian.
        side = SIDE if settings.elastic_sigma else ELASTIC_GRID
        smoothing = _gaussian_matrix(SIDE, settings.elastic_sigma) if settings.elastic_sigma else _UPSAMPLE
        noise = rng.uniform(-1, 1, (2, int(bent.sum()), side, side)).astype(np.float32)
        smooth = settings.elastic_alpha * (smoothing @ noise @ smoothing.T)
    bent_index = np.cumsum(bent) - 1  # each bent image's place in ``smooth``

    # One sampling grid per image (where each output pixel reads from), made and used a block of
    # images at a time: a block's arrays stay in the processor's cache, a whole chunk's would not.
    rows, cols = np.meshgrid(np.arange(SIDE, dtype=np.float32), np.arange(SIDE, dtype=np.float32), indexing="ij")
    centre = (SIDE - 1) / 2
    r, c = rows - centre, cols - centre
    out = np.empty((n, SIDE * SIDE), dtype=np.float32)
    for start in range(0, n, BLOCK):
        block = slice(start, start + BLOCK)
        source_rows = cos[block] * r - sin[block] * c + (centre - shift[block, 0, None, None])
        source_cols = sin[block] * r + cos[block] * c + (centre - shift[block, 1, None, None])
        if shear is not None:
            source_cols += shear[block] * r  # read from further right lower down: the digit leans left, or right
        if smooth is not None:
            here = np.flatnonzero(bent[block])
            source_rows[here] += smooth[0, bent_index[start + here]]
            source_cols[here] += smooth[1, bent_index[start + here]]
        out[block] = _bilinear(x[block], source_rows, source_cols)
    return out


def _bilinear(x: np.ndarray, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """Sample every image at its own (row, col) positions; outside the image is black."""
    n = len(x)
    padded = np.zeros((n, SIDE + 4, SIDE + 4), dtype=np.float32)
    padded[:, 2:-2, 2:-2] = x
    flat = padded.reshape(-1)
    r0, c0 = np.floor(rows), np.floor(cols)
    fr, fc = rows - r0, cols - c0
    # Far outside the image both neighbours land in the black border, whatever the weights.
    r0 = np.clip(r0, -2, SIDE).astype(np.int32) + 2
    c0 = np.clip(c0, -2, SIDE).astype(np.int32) + 2
    base = (np.arange(n, dtype=np.int32) * (SIDE + 4) ** 2)[:, None, None] + r0 * (SIDE + 4) + c0
    top = flat.take(base) * (1 - fc) + flat.take(base + 1) * fc
    bottom = flat.take(base + SIDE + 4) * (1 - fc) + flat.take(base + SIDE + 5) * fc
    moved = top * (1 - fr) + bottom * fr
    return np.clip(moved, 0.0, 1.0).reshape(n, SIDE * SIDE).astype(np.float32, copy=False)


def _thickness(x: np.ndarray, rng: np.random.Generator, share: float) -> np.ndarray:
    """Make a share of the images thicker (grey dilation) and as many thinner (erosion, softened)."""
    pick = rng.random(len(x))
    thicker, thinner = pick < share / 2, (pick >= share / 2) & (pick < share)
    out = x.copy()
    if thicker.any():
        out[thicker] = ndimage.grey_dilation(x[thicker], size=(1, 2, 2))
    if thinner.any():
        # Plain erosion would erase MNIST's two-pixel strokes; half of it thins them.
        out[thinner] = 0.5 * (x[thinner] + ndimage.grey_erosion(x[thinner], size=(1, 2, 2)))
    return out


def _soften(x: np.ndarray, rng: np.random.Generator, share: float) -> np.ndarray:
    """Blur a share of the images, each by its own Gaussian (G · image · Gᵀ), and ink the blur up again:
    what reaches 50 to 80 % of the blurred peak becomes full ink."""
    chosen = np.flatnonzero(rng.random(len(x)) < share)
    sigma = rng.uniform(0.5, 1.5, len(chosen)).astype(np.float32)
    full = rng.uniform(0.5, 0.8, len(chosen)).astype(np.float32)
    if not len(chosen):
        return x
    offsets = (np.arange(SIDE)[:, None] - np.arange(SIDE)[None, :]).astype(np.float32)
    kernels = np.exp(-0.5 * (offsets[None] / sigma[:, None, None]) ** 2)
    kernels /= kernels.sum(axis=2, keepdims=True)
    soft = kernels @ x[chosen] @ kernels.transpose(0, 2, 1)
    peak = np.maximum(soft.max(axis=(1, 2)), 1e-6) * full
    out = x.copy()
    out[chosen] = np.clip(soft / peak[:, None, None], 0.0, 1.0)
    return out
