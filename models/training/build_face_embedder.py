#!/usr/bin/python3
"""Rebuilds face-api.js's face recognition network as an ONNX graph from its published weights.

The network (a ResNet-34-like port of dlib's dlib_face_recognition_resnet_model_v1) is defined in
code, not in the weight files: this script mirrors @vladmandic/face-api 1.7.15
src/faceRecognitionNet/{FaceRecognitionNet,convLayer,residualLayer,scaleLayer}.ts exactly.

Input  "image":     float32 [batch, 150, 150, 3], RGB 0..255 (NHWC, like face-api's batch tensor).
Output "embedding": float32 [batch, 128], the raw descriptor (not L2-normalised), as face-api returns it.

Run (Debian python3-onnx and python3-numpy; no network needed):
    /usr/bin/python3 models/training/build_face_embedder.py
The output is deterministic: the same weights give the same bytes (sha256 dcaddd80…0327).
The product embedded faces with this network until 2026-11-29 (now HSE FaceRes,
docs/faces-identification.md); the file is no longer committed, and this script stays to rebuild it
for comparisons with `npm run eval:embedders`.
"""

import json
import pathlib
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

ROOT = pathlib.Path(__file__).resolve().parents[2]
WEIGHTS_DIR = ROOT / "node_modules" / "@vladmandic" / "face-api" / "model"
OUTPUT = ROOT / "models" / "face-embedder" / "face_recognition_128.onnx"

MEAN_RGB = np.array([122.782, 117.001, 104.298], dtype=np.float32)
INPUT_SIZE = 150


def load_weights() -> dict:
    """Decodes the tfjs weight shards like tfjs io.decodeWeights: uint8 q -> q * scale + min (in float64, stored as float32)."""
    manifest = json.loads((WEIGHTS_DIR / "face_recognition_model-weights_manifest.json").read_text())
    weights = {}
    for group in manifest:
        blob = b"".join((WEIGHTS_DIR / p).read_bytes() for p in group["paths"])
        offset = 0
        for spec in group["weights"]:
            count = int(np.prod(spec["shape"]))
            quant = spec.get("quantization")
            if quant is None:
                assert spec["dtype"] == "float32", spec
                values = np.frombuffer(blob, dtype="<f4", count=count, offset=offset)
                offset += count * 4
            else:
                assert quant["dtype"] == "uint8", spec
                raw = np.frombuffer(blob, dtype=np.uint8, count=count, offset=offset)
                values = (raw.astype(np.float64) * quant["scale"] + quant["min"]).astype(np.float32)
                offset += count
            weights[spec["name"]] = values.reshape(spec["shape"])
        if offset != len(blob):
            raise SystemExit(f"{len(blob) - offset} bytes left over in the weight shards")
    return weights


class Graph:
    def __init__(self, weights: dict):
        self.weights = weights
        self.used = set()
        self.nodes = []
        self.initializers = []
        self.count = 0

    def name(self, prefix: str) -> str:
        self.count += 1
        return f"{prefix}_{self.count}"

    def const(self, name: str, array: np.ndarray) -> str:
        self.initializers.append(numpy_helper.from_array(np.ascontiguousarray(array), name))
        return name

    def take(self, key: str) -> np.ndarray:
        self.used.add(key)
        return self.weights[key]

    def node(self, op: str, inputs: list, prefix: str, **attrs) -> str:
        out = self.name(prefix)
        self.nodes.append(helper.make_node(op, inputs, [out], name=out, **attrs))
        return out

    def conv_layer(self, x: str, prefix: str, stride: int, relu: bool, same: bool) -> str:
        """conv2d + bias, then the scale layer (x * w + b), folded into one Conv: (conv + bias) * s + t."""
        filters = self.take(f"{prefix}/conv/filters")  # tfjs HWIO
        bias = self.take(f"{prefix}/conv/bias")
        scale_w = self.take(f"{prefix}/scale/weights")
        scale_b = self.take(f"{prefix}/scale/biases")
        kernel = filters.transpose(3, 2, 0, 1).astype(np.float64) * scale_w.astype(np.float64)[:, None, None, None]
        fused_bias = bias.astype(np.float64) * scale_w + scale_b
        k = filters.shape[0]
        # tfjs 'same' with stride 1 and odd kernels pads (k-1)/2 on every side; 'valid' pads nothing.
        pad = (k - 1) // 2 if same else 0
        assert not (same and stride != 1), "only stride-1 convolutions use 'same' padding here"
        w = self.const(f"{prefix}/W", kernel.astype(np.float32))
        b = self.const(f"{prefix}/B", fused_bias.astype(np.float32))
        out = self.node("Conv", [x, w, b], prefix.replace("/", "_"), kernel_shape=[k, k], strides=[stride, stride], pads=[pad] * 4)
        return self.node("Relu", [out], "relu") if relu else out

    def residual(self, x: str, prefix: str) -> str:
        out = self.conv_layer(x, f"{prefix}/conv1", 1, True, True)
        out = self.conv_layer(out, f"{prefix}/conv2", 1, False, True)
        return self.node("Relu", [self.node("Add", [out, x], "add")], "relu")

    def residual_down(self, x: str, prefix: str, in_ch: int, in_size: int) -> tuple:
        """residualDown: strided 'valid' conv branch plus a 2x2 average-pooled shortcut; the shortcut is
        zero-padded on channels when they grow, and the conv branch is zero-padded by one row and column
        at the bottom/right when its spatial size falls short of the pooled one (face-api's isAdjustShape)."""
        out = self.conv_layer(x, f"{prefix}/conv1", 2, True, False)
        out = self.conv_layer(out, f"{prefix}/conv2", 1, False, True)
        out_ch = self.weights[f"{prefix}/conv2/conv/filters"].shape[3]
        conv_size = (in_size - 3) // 2 + 1
        pooled_size = in_size // 2
        pooled = self.node("AveragePool", [x], "avgpool", kernel_shape=[2, 2], strides=[2, 2])
        if conv_size != pooled_size:
            assert pooled_size - conv_size == 1, (conv_size, pooled_size)
            pads = self.const(self.name("pads"), np.array([0, 0, 0, 0, 0, 0, 1, 1], dtype=np.int64))
            out = self.node("Pad", [out, pads], "pad_hw")
        if out_ch != in_ch:
            pads = self.const(self.name("pads"), np.array([0, 0, 0, 0, 0, out_ch - in_ch, 0, 0], dtype=np.int64))
            pooled = self.node("Pad", [pooled, pads], "pad_c")
        out = self.node("Relu", [self.node("Add", [pooled, out], "add")], "relu")
        return out, out_ch, pooled_size


def build() -> onnx.ModelProto:
    weights = load_weights()
    g = Graph(weights)
    # normalize(x, meanRgb).div(255), then NHWC -> NCHW for ONNX convolutions.
    x = g.node("Sub", ["image", g.const("mean_rgb", MEAN_RGB)], "sub_mean")
    x = g.node("Div", [x, g.const("scale_255", np.array(255, dtype=np.float32))], "div_255")
    x = g.node("Transpose", [x], "to_nchw", perm=[0, 3, 1, 2])

    x = g.conv_layer(x, "conv32_down", 2, True, False)  # 150 -> 72
    x = g.node("MaxPool", [x], "maxpool", kernel_shape=[3, 3], strides=[2, 2])  # 72 -> 35
    channels, size = 32, 35
    for prefix in ["conv32_1", "conv32_2", "conv32_3"]:
        x = g.residual(x, prefix)
    for down, plain in [
        ("conv64_down", ["conv64_1", "conv64_2", "conv64_3"]),
        ("conv128_down", ["conv128_1", "conv128_2"]),
        ("conv256_down", ["conv256_1", "conv256_2"]),
        ("conv256_down_out", []),
    ]:
        x, channels, size = g.residual_down(x, down, channels, size)
        for prefix in plain:
            x = g.residual(x, prefix)
    assert (channels, size) == (256, 2), (channels, size)

    x = g.node("GlobalAveragePool", [x], "mean_hw")
    x = g.node("Flatten", [x], "flatten", axis=1)
    fc = g.const("fc", g.take("fc"))  # [256, 128], used as matMul(globalAvg, fc)
    g.nodes.append(helper.make_node("MatMul", [x, fc], ["embedding"], name="fc"))

    unused = set(weights) - g.used
    if unused:
        raise SystemExit(f"weights not used by the graph: {sorted(unused)}")

    graph = helper.make_graph(
        g.nodes,
        "face_recognition_128",
        [helper.make_tensor_value_info("image", TensorProto.FLOAT, ["batch", INPUT_SIZE, INPUT_SIZE, 3])],
        [helper.make_tensor_value_info("embedding", TensorProto.FLOAT, ["batch", 128])],
        g.initializers,
    )
    model = helper.make_model(
        graph,
        opset_imports=[helper.make_opsetid("", 13)],
        producer_name="archaive build_face_embedder.py",
        doc_string=(
            "face-api.js FaceRecognitionNet (port of dlib_face_recognition_resnet_model_v1), rebuilt from "
            "@vladmandic/face-api 1.7.15 model/face_recognition_model.bin. Input RGB 0..255 NHWC 150x150; "
            "output raw 128-d descriptor."
        ),
    )
    model.ir_version = 7  # readable by every onnxruntime since 1.6
    onnx.checker.check_model(model)
    return model


def main() -> None:
    model = build()
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    OUTPUT.write_bytes(model.SerializeToString())
    print(f"wrote {OUTPUT.relative_to(ROOT)} ({OUTPUT.stat().st_size} bytes)", file=sys.stderr)


if __name__ == "__main__":
    main()
