"""Checks for tests/test_export.sh, with independent tools: ONNX's checker and
shape inference (python3-onnx) and OpenCV's ONNX runtime (python3-opencv).

  export_check.py onnx MODEL CIFAR_BIN_GZ ENGINE_LOGITS N RAW_OUT
      check MODEL, run it with cv2.dnn on the first N test images of the
      CIFAR-10 binary file, compare with the engine's logits (dcanas eval
      --logits), and write those images as raw float32 in [0, 1] to RAW_OUT
      (the C test's input)
  export_check.py logits ENGINE_LOGITS OTHER_LOGITS N
      compare two logits files (label, then logits per line) on N images
  export_check.py agree ENGINE_LOGITS OTHER_LOGITS N PERCENT
      the same class on at least PERCENT% of N images (int8 code)
  export_check.py ppm CIFAR_BIN_GZ ENGINE_LOGITS PPM_OUT
      write the first test image as a binary PPM; print the engine's class

Logits agree when |a - b| <= 1e-4 * max |engine logit| of that image.
Prints one line; exit status 1 on a mismatch."""
import gzip
import sys

import numpy as np

TOL = 1e-4


def read_logits(path, n):
    rows = []
    with open(path) as f:
        for line in f:
            if line.strip():
                rows.append([float(v) for v in line.split()[1:]])
            if len(rows) == n:
                break
    return np.array(rows, dtype=np.float64)


def compare(what, engine, other):
    if engine.shape != other.shape:
        print(f"{what}: shapes differ {engine.shape} vs {other.shape}")
        return 1
    scale = np.maximum(np.abs(engine).max(axis=1), 1e-12)
    rel = (np.abs(engine - other).max(axis=1) / scale).max()
    same = (engine.argmax(1) == other.argmax(1)).mean()
    print(f"{what}: {len(engine)} images, largest difference {rel:.2g} of the "
          f"logits' size, same class {100 * same:.0f}%")
    return 0 if rel <= TOL else 1


def cifar_images(path, n):
    with gzip.open(path, "rb") as f:
        data = f.read(n * 3073)
    rec = np.frombuffer(data, dtype=np.uint8).reshape(n, 3073)
    return (rec[:, 1:].reshape(n, 3, 32, 32).astype(np.float32) / 255.0)


def main(argv):
    if argv[1] == "onnx":
        import cv2
        import onnx
        model, data, engine_path, n, raw_out = argv[2:7]
        n = int(n)
        m = onnx.load(model)
        onnx.checker.check_model(m, full_check=True)
        onnx.shape_inference.infer_shapes(m, check_type=True, strict_mode=True)
        if m.opset_import[0].version < 13:
            print("opset below 13")
            return 1
        x = cifar_images(data, n)
        x.tofile(raw_out)
        net = cv2.dnn.readNetFromONNX(model)
        net.setInput(x)
        out = net.forward().astype(np.float64)
        return compare("onnx (checker, shape inference, cv2.dnn)",
                       read_logits(engine_path, n), out)
    if argv[1] == "logits":
        n = int(argv[4])
        return compare("generated C", read_logits(argv[2], n),
                       read_logits(argv[3], n))
    if argv[1] == "agree":
        n = int(argv[4])
        a, b = read_logits(argv[2], n), read_logits(argv[3], n)
        same = 100.0 * (a.argmax(1) == b.argmax(1)).mean()
        print(f"int8 C code: the engine's class on {same:.0f}% of {n} images")
        return 0 if same >= float(argv[5]) else 1
    if argv[1] == "ppm":
        x = cifar_images(argv[2], 1)[0]
        with open(argv[4], "wb") as f:
            f.write(b"P6\n# a CIFAR-10 test image\n32 32\n255\n")
            f.write(np.round(x.transpose(1, 2, 0) * 255).astype(np.uint8).tobytes())
        print(int(read_logits(argv[3], 1)[0].argmax()))
        return 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
