import math


def wilson(k, n, z=1.96):
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    spread = math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    half = z / (1 + z * z / n) * spread
    return (max(0.0, centre - half), min(1.0, centre + half))
