"""Write a randomly initialised YAMNet as a .tflite file, with no TensorFlow: for testing the YAMNet loader.

The graph is the one of `tensorflow/models` research/audioset/yamnet with `tflite_compatible=True` (the
variant TF Hub / Kaggle publish as `yamnet/classification/tflite`, the file Frigate runs):

- input `waveform`: float32 [15600] (0.975 s at 16 kHz: one 0.96 s patch of 96 frames);
- features: 25 ms Hann frames every 10 ms, a 512-point DFT as two matrix products (real, imaginary),
  magnitude, 64 HTK-mel bands 125-7500 Hz, log(mel + 0.001) → one patch [1, 96, 64, 1];
- network: MobileNet v1 — a 3×3/2 convolution to 32 channels, then 13 depthwise-separable blocks up to
  1024 channels, every convolution followed by batch norm (centre, no scale, eps 1e-4) and ReLU;
  global average pooling; a dense layer to 521 AudioSet classes with a sigmoid;
- output `scores`: float32 [1, 521].

Batch norm is folded into the convolutions' weights and biases, as TensorFlow's converter does. The
schema is the flatbuffer schema that ships in `ai-edge-litert` (already a dependency), so this runs in a
second and needs nothing beyond the project's own environment. A label list can be appended as a zip,
the way TF Hub's tflite files carry `yamnet_label_list.txt`.

    .venv/bin/python models/convert/make_random_yamnet_tflite.py OUT.tflite [--labels yamnet_label_list.txt]

`--check-with-tensorflow` (in an environment with `tensorflow-cpu`, e.g. 2.21.0: 54 s to install from the
local wheel here, 1.6 GB) builds the same network from the same weights with TensorFlow's ops as yamnet.py
writes them (batch norm unfolded), converts it with TFLiteConverter (1.8-2.6 s, 16.1 MB) and compares.
Measured: the converter's file and this script's file both give TensorFlow's scores within 4.8e-7, with
the same 12 operator types (GATHER, MUL, PAD, FULLY_CONNECTED, ADD, SQRT, LOG, RESHAPE, CONV_2D,
DEPTHWISE_CONV_2D, MEAN, LOGISTIC). This script alone takes 0.35 s and writes 16.2 MB, so the tests build
their networks on the spot and no fixture is committed.
"""

from __future__ import annotations

import argparse
import io
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import flatbuffers  # type: ignore[import-untyped]
import numpy as np
from ai_edge_litert import schema_py_generated as schema  # type: ignore[import-untyped]
from numpy.typing import NDArray

SAMPLE_RATE = 16_000
WINDOW_SAMPLES = 15_600
FRAME_LENGTH = 400  # 25 ms
FRAME_STEP = 160  # 10 ms
FFT_LENGTH = 512
FRAMES = 1 + (WINDOW_SAMPLES - FRAME_LENGTH) // FRAME_STEP  # 96
MEL_BANDS = 64
MEL_MIN_HZ = 125.0
MEL_MAX_HZ = 7500.0
LOG_OFFSET = 0.001
BN_EPSILON = 1e-4
CLASSES = 521
# (kind, stride, filters) of yamnet.py's _YAMNET_LAYER_DEFS
LAYERS: tuple[tuple[str, int, int], ...] = (
    ("conv", 2, 32),
    ("separable", 1, 64),
    ("separable", 2, 128),
    ("separable", 1, 128),
    ("separable", 2, 256),
    ("separable", 1, 256),
    ("separable", 2, 512),
    ("separable", 1, 512),
    ("separable", 1, 512),
    ("separable", 1, 512),
    ("separable", 1, 512),
    ("separable", 1, 512),
    ("separable", 2, 1024),
    ("separable", 1, 1024),
)


def hz_to_mel(hz: NDArray[np.float64]) -> NDArray[np.float64]:
    """The HTK mel scale of tf.signal.linear_to_mel_weight_matrix."""
    return 1127.0 * np.log1p(hz / 700.0)


def mel_matrix() -> NDArray[np.float32]:
    """tf.signal.linear_to_mel_weight_matrix(64, 257, 16000, 125, 7500): [257 bins, 64 bands]."""
    bins = FFT_LENGTH // 2 + 1
    linear_hz = np.linspace(0.0, SAMPLE_RATE / 2, bins)[1:]  # the DC bin gets no weight
    bin_mel = hz_to_mel(linear_hz)[:, None]
    edges = np.linspace(hz_to_mel(np.array(MEL_MIN_HZ)), hz_to_mel(np.array(MEL_MAX_HZ)), MEL_BANDS + 2)
    lower, centre, upper = edges[:-2], edges[1:-1], edges[2:]
    rising = (bin_mel - lower) / (centre - lower)
    falling = (upper - bin_mel) / (upper - centre)
    weights = np.maximum(0.0, np.minimum(rising, falling))
    return np.vstack([np.zeros((1, MEL_BANDS)), weights]).astype(np.float32)


def dft_matrices() -> tuple[NDArray[np.float32], NDArray[np.float32]]:
    """Real and imaginary parts of the 512-point DFT's first 257 rows, [257, 512] (features.py `_rdft`)."""
    n = np.arange(FFT_LENGTH)
    k = np.arange(FFT_LENGTH // 2 + 1)
    angle = 2.0 * np.pi * np.outer(k, n) / FFT_LENGTH
    return np.cos(angle).astype(np.float32), np.sin(angle).astype(np.float32)


class _Graph:
    """A single-subgraph TFLite model under construction (object API of the flatbuffer schema)."""

    def __init__(self) -> None:
        self.tensors: list[Any] = []
        self.buffers: list[Any] = [schema.BufferT()]  # buffer 0: the empty buffer, by convention
        self.operators: list[Any] = []
        self.opcodes: dict[int, int] = {}

    def tensor(self, name: str, shape: tuple[int, ...], data: NDArray[Any] | None = None) -> int:
        tensor = schema.TensorT()
        tensor.name = name
        tensor.shape = np.array(shape, dtype=np.int32)
        tensor.type = schema.TensorType.FLOAT32
        tensor.buffer = 0
        if data is not None:
            if data.dtype == np.int32:
                tensor.type = schema.TensorType.INT32
            else:
                data = data.astype(np.float32)
            assert tuple(data.shape) == shape, (name, data.shape, shape)
            buffer = schema.BufferT()
            buffer.data = np.frombuffer(np.ascontiguousarray(data).tobytes(), dtype=np.uint8)
            self.buffers.append(buffer)
            tensor.buffer = len(self.buffers) - 1
        self.tensors.append(tensor)
        return len(self.tensors) - 1

    def op(
        self, code: int, inputs: list[int], outputs: list[int], options_type: int = 0, options: Any = None
    ) -> None:
        if code not in self.opcodes:
            self.opcodes[code] = len(self.opcodes)
        operator = schema.OperatorT()
        operator.opcodeIndex = self.opcodes[code]
        operator.inputs = np.array(inputs, dtype=np.int32)
        operator.outputs = np.array(outputs, dtype=np.int32)
        operator.builtinOptionsType = options_type
        operator.builtinOptions = options
        self.operators.append(operator)

    def serialise(self, inputs: list[int], outputs: list[int]) -> bytes:
        subgraph = schema.SubGraphT()
        subgraph.tensors = self.tensors
        subgraph.inputs = np.array(inputs, dtype=np.int32)
        subgraph.outputs = np.array(outputs, dtype=np.int32)
        subgraph.operators = self.operators
        subgraph.name = "main"
        model = schema.ModelT()
        model.version = 3
        codes: list[Any] = [None] * len(self.opcodes)
        for code, index in self.opcodes.items():
            opcode = schema.OperatorCodeT()
            opcode.builtinCode = code
            opcode.deprecatedBuiltinCode = min(code, 127)
            opcode.version = 1
            codes[index] = opcode
        model.operatorCodes = codes
        model.subgraphs = [subgraph]
        model.buffers = self.buffers
        model.description = "YAMNet, randomly initialised (vigil models/convert/make_random_yamnet_tflite.py)"
        builder = flatbuffers.Builder(1 << 24)
        builder.Finish(model.Pack(builder), file_identifier=b"TFL3")
        return bytes(builder.Output())


def _options(kind: type, **fields: Any) -> Any:
    options = kind()
    for key, value in fields.items():
        setattr(options, key, value)
    return options


@dataclass(frozen=True)
class ConvLayer:
    """One convolution of the network with its batch norm, unfolded (as the Keras model holds them)."""

    kind: (
        str  # "conv" (kernel [3, 3, in, out]), "depthwise" ([3, 3, channels]), "pointwise" ([1, 1, in, out])
    )
    stride: int
    kernel: NDArray[np.float32]
    mean: NDArray[np.float32]
    variance: NDArray[np.float32]
    beta: NDArray[np.float32]

    def folded(self) -> tuple[NDArray[np.float32], NDArray[np.float32]]:
        """Batch norm (centre, no scale) folded into the kernel (output channels last) and a bias."""
        scale = 1.0 / np.sqrt(self.variance.astype(np.float64) + BN_EPSILON)
        bias = self.beta - self.mean * scale
        return (self.kernel * scale).astype(np.float32), bias.astype(np.float32)


@dataclass(frozen=True)
class YamnetWeights:
    layers: list[ConvLayer]
    dense: NDArray[np.float32]  # [1024, classes]
    bias: NDArray[np.float32]  # [classes]


def random_weights(seed: int = 0, class_bias: dict[int, float] | None = None) -> YamnetWeights:
    """He-normal kernels, random batch-norm statistics, a Glorot-uniform dense layer with zero bias;
    `class_bias` sets the final bias of some classes."""
    rng = np.random.default_rng(seed)

    def layer(kind: str, stride: int, shape: tuple[int, ...], fan_in: int) -> ConvLayer:
        channels = shape[-1]
        return ConvLayer(
            kind, stride, rng.normal(0.0, np.sqrt(2.0 / fan_in), shape).astype(np.float32),
            mean=rng.normal(0.0, 0.1, channels).astype(np.float32),
            variance=rng.uniform(0.5, 1.5, channels).astype(np.float32),
            beta=rng.normal(0.0, 0.1, channels).astype(np.float32),
        )  # fmt: skip

    layers, channels = [], 1
    for kind, stride, filters in LAYERS:
        if kind == "conv":
            layers.append(layer("conv", stride, (3, 3, channels, filters), 9 * channels))
        else:
            layers.append(layer("depthwise", stride, (3, 3, channels), 9))
            layers.append(layer("pointwise", 1, (1, 1, channels, filters), channels))
        channels = filters
    limit = np.sqrt(6.0 / (channels + CLASSES))
    dense = rng.uniform(-limit, limit, (channels, CLASSES)).astype(np.float32)
    bias = np.zeros(CLASSES, dtype=np.float32)
    for index, value in (class_bias or {}).items():
        bias[index] = value
    return YamnetWeights(layers, dense, bias)


def yamnet_tflite(weights: YamnetWeights) -> bytes:
    """The TFLite flatbuffer of YAMNet with `weights`."""
    graph = _Graph()
    ops = schema.BuiltinOperator
    kinds = schema.BuiltinOptions
    waveform = graph.tensor("waveform", (WINDOW_SAMPLES,))
    starts = np.arange(FRAMES, dtype=np.int32)[:, None] * FRAME_STEP
    indices = graph.tensor(
        "frame_indices", (FRAMES, FRAME_LENGTH), starts + np.arange(FRAME_LENGTH, dtype=np.int32)
    )
    frames = graph.tensor("frames", (FRAMES, FRAME_LENGTH))
    graph.op(
        ops.GATHER,
        [waveform, indices],
        [frames],
        kinds.GatherOptions,
        _options(schema.GatherOptionsT, axis=0),
    )
    periodic_hann = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(FRAME_LENGTH) / FRAME_LENGTH)
    window = graph.tensor("hann_window", (1, FRAME_LENGTH), periodic_hann[None, :])
    windowed = graph.tensor("windowed", (FRAMES, FRAME_LENGTH))
    graph.op(ops.MUL, [frames, window], [windowed], kinds.MulOptions, schema.MulOptionsT())
    half_pad = (FFT_LENGTH - FRAME_LENGTH) // 2
    pads = graph.tensor("fft_padding", (2, 2), np.array([[0, 0], [half_pad, half_pad]], dtype=np.int32))
    padded = graph.tensor("padded_frames", (FRAMES, FFT_LENGTH))
    graph.op(ops.PAD, [windowed, pads], [padded], kinds.PadOptions, schema.PadOptionsT())
    real_dft, imag_dft = dft_matrices()
    parts = []
    for name, matrix in (("real", real_dft), ("imag", imag_dft)):
        dft = graph.tensor(f"{name}_dft_matrix", matrix.shape, matrix)
        part = graph.tensor(f"{name}_stft", (FRAMES, FFT_LENGTH // 2 + 1))
        graph.op(
            ops.FULLY_CONNECTED, [padded, dft, -1], [part], kinds.FullyConnectedOptions,
            schema.FullyConnectedOptionsT(),
        )  # fmt: skip
        squared = graph.tensor(f"{name}_squared", (FRAMES, FFT_LENGTH // 2 + 1))
        graph.op(ops.MUL, [part, part], [squared], kinds.MulOptions, schema.MulOptionsT())
        parts.append(squared)
    power = graph.tensor("power", (FRAMES, FFT_LENGTH // 2 + 1))
    graph.op(ops.ADD, parts, [power], kinds.AddOptions, schema.AddOptionsT())
    magnitude = graph.tensor("magnitude", (FRAMES, FFT_LENGTH // 2 + 1))
    graph.op(ops.SQRT, [power], [magnitude])
    mel_weights = mel_matrix().T
    mel_tensor = graph.tensor("mel_matrix", mel_weights.shape, mel_weights)
    mel = graph.tensor("mel", (FRAMES, MEL_BANDS))
    graph.op(
        ops.FULLY_CONNECTED, [magnitude, mel_tensor, -1], [mel], kinds.FullyConnectedOptions,
        schema.FullyConnectedOptionsT(),
    )  # fmt: skip
    offset = graph.tensor("log_offset", (1,), np.array([LOG_OFFSET]))
    shifted = graph.tensor("mel_offset", (FRAMES, MEL_BANDS))
    graph.op(ops.ADD, [mel, offset], [shifted], kinds.AddOptions, schema.AddOptionsT())
    log_mel = graph.tensor("log_mel_spectrogram", (FRAMES, MEL_BANDS))
    graph.op(ops.LOG, [shifted], [log_mel])
    shape = graph.tensor("patch_shape", (4,), np.array([1, FRAMES, MEL_BANDS, 1], dtype=np.int32))
    x = graph.tensor("patch", (1, FRAMES, MEL_BANDS, 1))
    graph.op(
        ops.RESHAPE, [log_mel, shape], [x], kinds.ReshapeOptions,
        _options(schema.ReshapeOptionsT, newShape=[1, FRAMES, MEL_BANDS, 1]),
    )  # fmt: skip

    height, width = FRAMES, MEL_BANDS
    relu = schema.ActivationFunctionType.RELU
    for number, layer in enumerate(weights.layers, start=1):
        folded, bias = layer.folded()
        stride = layer.stride
        height, width = -(-height // stride), -(-width // stride)  # SAME padding
        out_channels = folded.shape[-1]
        if layer.kind == "depthwise":  # TFLite depthwise filter: [1, kh, kw, channels]
            filter_data = folded.reshape(1, 3, 3, out_channels)
            code, kind = ops.DEPTHWISE_CONV_2D, kinds.DepthwiseConv2DOptions
            options = _options(
                schema.DepthwiseConv2DOptionsT, padding=schema.Padding.SAME, strideW=stride, strideH=stride,
                depthMultiplier=1, dilationWFactor=1, dilationHFactor=1, fusedActivationFunction=relu,
            )  # fmt: skip
        else:  # TFLite convolution filter: [out, kh, kw, in]
            filter_data = np.transpose(folded, (3, 0, 1, 2))
            code, kind = ops.CONV_2D, kinds.Conv2DOptions
            options = _options(
                schema.Conv2DOptionsT, padding=schema.Padding.SAME, strideW=stride, strideH=stride,
                dilationWFactor=1, dilationHFactor=1, fusedActivationFunction=relu,
            )  # fmt: skip
        name = f"layer{number}/{layer.kind}"
        kernel = graph.tensor(f"{name}/weights", filter_data.shape, filter_data)
        biases = graph.tensor(f"{name}/bias", bias.shape, bias)
        out = graph.tensor(name, (1, height, width, out_channels))
        graph.op(code, [x, kernel, biases], [out], kind, options)
        x = out

    channels = weights.dense.shape[0]
    axes = graph.tensor("pool_axes", (2,), np.array([1, 2], dtype=np.int32))
    pooled = graph.tensor("embeddings", (1, channels))
    graph.op(
        ops.MEAN, [x, axes], [pooled], kinds.ReducerOptions, _options(schema.ReducerOptionsT, keepDims=False)
    )
    dense = np.ascontiguousarray(weights.dense.T)  # TFLite: [out, in]
    dense_weights = graph.tensor("logits/weights", dense.shape, dense)
    dense_bias = graph.tensor("logits/bias", weights.bias.shape, weights.bias)
    logits = graph.tensor("logits", (1, CLASSES))
    graph.op(
        ops.FULLY_CONNECTED, [pooled, dense_weights, dense_bias], [logits], kinds.FullyConnectedOptions,
        schema.FullyConnectedOptionsT(),
    )  # fmt: skip
    scores = graph.tensor("scores", (1, CLASSES))
    graph.op(ops.LOGISTIC, [logits], [scores])
    return graph.serialise([waveform], [scores])


def check_with_tensorflow(weights: YamnetWeights, seconds_report: bool = True) -> None:
    """Build the same network with TensorFlow ops as yamnet.py/features.py write it (batch norm unfolded),
    convert it with TFLiteConverter and compare: TF itself, the converter's file and ours, on the same input.
    Needs `pip install tensorflow-cpu` (not a project dependency; a separate environment is fine)."""
    import tensorflow as tf  # type: ignore[import-untyped]

    def stft_magnitude(signal: Any) -> Any:  # features.py: _tflite_stft_magnitude
        framed = tf.signal.frame(signal, FRAME_LENGTH, FRAME_STEP)
        hann = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(0, 1.0, 1.0 / FRAME_LENGTH))
        windowed = framed * tf.reshape(tf.constant(hann.astype(np.float32)), [1, FRAME_LENGTH])
        half_pad = (FFT_LENGTH - FRAME_LENGTH) // 2
        padded = tf.pad(windowed, [[0, 0], [half_pad, FFT_LENGTH - FRAME_LENGTH - half_pad]])
        real_dft, imag_dft = dft_matrices()
        real = tf.matmul(padded, tf.constant(real_dft.T))
        imag = tf.matmul(padded, tf.constant(imag_dft.T))
        return tf.sqrt(real * real + imag * imag)

    @tf.function(input_signature=[tf.TensorSpec([WINDOW_SAMPLES], tf.float32, name="waveform")])  # type: ignore[untyped-decorator]
    def yamnet(waveform: Any) -> Any:
        mel = tf.matmul(stft_magnitude(waveform), tf.constant(mel_matrix()))
        x = tf.reshape(tf.math.log(mel + LOG_OFFSET), [1, FRAMES, MEL_BANDS, 1])
        for layer in weights.layers:
            if layer.kind == "depthwise":
                x = tf.nn.depthwise_conv2d(
                    x, layer.kernel[..., None], [1, layer.stride, layer.stride, 1], "SAME"
                )
            else:
                x = tf.nn.conv2d(x, layer.kernel, layer.stride, "SAME")
            x = tf.nn.batch_normalization(x, layer.mean, layer.variance, layer.beta, None, BN_EPSILON)
            x = tf.nn.relu(x)
        return tf.sigmoid(tf.matmul(tf.reduce_mean(x, axis=[1, 2]), weights.dense) + weights.bias)

    from ai_edge_litert.interpreter import Interpreter  # type: ignore[import-untyped]

    start = time.perf_counter()
    converted = tf.lite.TFLiteConverter.from_concrete_functions([yamnet.get_concrete_function()]).convert()
    print(f"TFLiteConverter: {time.perf_counter() - start:.1f} s, {len(converted) / 1e6:.1f} MB")
    rng = np.random.default_rng(1)
    waveform = (0.3 * np.sin(2 * np.pi * 440 * np.arange(WINDOW_SAMPLES) / SAMPLE_RATE)).astype(np.float32)
    waveform += rng.normal(0.0, 0.05, WINDOW_SAMPLES).astype(np.float32)
    reference = yamnet(tf.constant(waveform)).numpy()
    for name, model in (
        ("TFLiteConverter's file", converted),
        ("this script's file", yamnet_tflite(weights)),
    ):
        interpreter = Interpreter(model_content=model)
        interpreter.allocate_tensors()
        interpreter.set_tensor(interpreter.get_input_details()[0]["index"], waveform)
        interpreter.invoke()
        scores = interpreter.get_tensor(interpreter.get_output_details()[0]["index"])
        ops = sorted({op["op_name"] for op in interpreter._get_ops_details()} - {"DELEGATE"})
        print(f"{name}: max |score - TensorFlow's| = {np.abs(scores - reference).max():.1e}; ops {ops}")


def with_label_zip(model: bytes, labels: list[str], member: str = "yamnet_label_list.txt") -> bytes:
    """`model` with a zip holding one label per line appended, as TF Hub's tflite files carry theirs."""
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as bundle:
        bundle.writestr(member, "\n".join(labels) + "\n")
    return model + archive.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--labels", type=Path, help="a label list to embed (one name per line)")
    parser.add_argument(
        "--check-with-tensorflow", action="store_true", help="compare with TensorFlow and its converter"
    )
    args = parser.parse_args()
    weights = random_weights(args.seed)
    if args.check_with_tensorflow:
        check_with_tensorflow(weights)
    model = yamnet_tflite(weights)
    if args.labels is not None:
        lines = args.labels.read_text().splitlines()
        model = with_label_zip(model, lines)
    args.out.write_bytes(model)
    print(f"{args.out}: {len(model) / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
