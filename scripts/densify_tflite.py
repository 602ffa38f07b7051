"""Replace the sparse (DENSIFY) fp16 weights of a .tflite model by dense constants.

usage: python scripts/densify_tflite.py in.tflite out.tflite

pose_detection.tflite stores 38 weight tensors sparse; tf2onnx parses them as dense and
crashes ("cannot reshape array of size 96 into shape (16,1,1,24)"). The dense values are
input-independent constants, so we read them from the TFLite interpreter after one run and
write them back as plain buffers, dropping the DENSIFY ops (docs: blazepose.md section 2.3).
"""
import sys

import numpy as np
import tensorflow as tf
from tensorflow.lite.python import schema_py_generated as schema
from tensorflow.lite.tools import flatbuffer_utils as fu

src, dst = sys.argv[1], sys.argv[2]
model = fu.read_model(src)
sg = model.subgraphs[0]
dens = {i for i, oc in enumerate(model.operatorCodes)
        if max(oc.builtinCode, oc.deprecatedBuiltinCode) == schema.BuiltinOperator.DENSIFY}

# Run once (no delegates) keeping all intermediate tensors, so DENSIFY outputs can be read.
it = tf.lite.Interpreter(
    model_path=src, experimental_preserve_all_tensors=True,
    experimental_op_resolver_type=tf.lite.experimental.OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES)
it.allocate_tensors()
d = it.get_input_details()[0]
it.set_tensor(d["index"], np.zeros(d["shape"], np.float32))
it.invoke()

kept, n = [], 0
for op in sg.operators:
    if op.opcodeIndex in dens:
        i, o = op.inputs[0], op.outputs[0]
        dense = it.get_tensor(o)
        buf = schema.BufferT()
        buf.data = np.frombuffer(dense.tobytes(), np.uint8)
        model.buffers.append(buf)
        b = len(model.buffers) - 1
        # The output becomes a constant; the (now unused) sparse input shares the dense buffer.
        sg.tensors[o].buffer = b
        sg.tensors[i].buffer = b
        sg.tensors[i].sparsity = None
        sg.tensors[i].shape = sg.tensors[o].shape
        n += 1
    else:
        kept.append(op)
sg.operators = kept
fu.write_model(model, dst)
print(f"densified {n} tensors -> {dst}")
