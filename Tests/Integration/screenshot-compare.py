#!/usr/bin/python3
"""Compares a browser's screenshot with the stored one, tolerant of font rendering: both are made grey
and shrunk to 160x125 (each pixel the mean of an 8x8 block of a 1280x1000 shot), and the mean absolute
difference of those pixels, as a share of full scale, must stay under the limit (default 3%). A page
without its stylesheet, or with its layout broken, differs by far more (docs/TESTING.md says how much).

    screenshot-compare.py STORED NEW [LIMIT]      prints the difference; status 1 above the limit
(Debian's Python, for Pillow: python3-pil.)"""
import sys
from PIL import Image, ImageChops, ImageStat

def small(path):
    return Image.open(path).convert('L').resize((160, 125), Image.BOX)

stored, new = small(sys.argv[1]), small(sys.argv[2])
limit = float(sys.argv[3]) if len(sys.argv) > 3 else 0.03
difference = ImageStat.Stat(ImageChops.difference(stored, new)).mean[0] / 255
print(f'{difference * 100:.2f}% (limit {limit * 100:.1f}%)')
sys.exit(0 if difference <= limit else 1)
