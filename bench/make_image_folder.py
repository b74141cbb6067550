"""Write an image folder (DIR/train/CLASS, DIR/val/CLASS) from CIFAR-10's
binary batches for timing `--data folder:DIR`: PER images a class from
data_batch_1 and PER/5 from test_batch, each enlarged to 320x256 (bicubic),
three in four as JPEG (quality 90), the rest as PNG. Needs python3-opencv.

    /usr/bin/python3 bench/make_image_folder.py CIFAR10_DIR OUT_DIR [PER]
    dcanas train --space nb201 --arch ARCH --data folder:OUT_DIR --epochs 1 \\
        --per-class 10 --threads 1     # prints the decode rate ("data: ...")
"""
import gzip
import os
import sys

import cv2
import numpy as np

NAMES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog",
         "horse", "ship", "truck"]


def main(src, root, per):
    for split, batch, n_per in (("train", "data_batch_1.bin.gz", per),
                                ("val", "test_batch.bin.gz", per // 5)):
        rec = np.frombuffer(gzip.open(os.path.join(src, batch)).read(),
                            np.uint8).reshape(-1, 3073)
        count = {}
        for k, r in enumerate(rec):
            c = int(r[0])
            if count.get(c, 0) >= n_per:
                continue
            count[c] = count.get(c, 0) + 1
            d = os.path.join(root, split, NAMES[c])
            os.makedirs(d, exist_ok=True)
            bgr = r[1:].reshape(3, 32, 32).transpose(1, 2, 0)[:, :, ::-1]
            big = cv2.resize(bgr, (320, 256), interpolation=cv2.INTER_CUBIC)
            if k % 4:
                cv2.imwrite(os.path.join(d, "%05d.jpg" % k), big,
                            [cv2.IMWRITE_JPEG_QUALITY, 90])
            else:
                cv2.imwrite(os.path.join(d, "%05d.png" % k), big)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else 500)
