using Backprop.Onnx.Protobuf;
using Backprop.Ops;
using static Backprop.Onnx.GraphWriter;

namespace Backprop.Onnx;

/// <summary>
/// The ONNX nodes (opset 17) of each recorded Backprop operator: one node where ONNX has the operator (Gemm, Conv,
/// LayerNormalization, Softmax, ...), a few primitive nodes where it has not (GELU through Erf, SiLU as x·σ(x),
/// attention as MatMul, Mul, Add of the causal mask, Softmax, MatMul). An operator not listed here is an
/// <see cref="OnnxExportException"/> naming it and its module. The table in docs/onnx.md follows this file.
/// </summary>
internal static class OnnxExportOperators
{
    /// <summary>
    /// Writes the nodes computing <paramref name="y"/> from the already written <paramref name="x"/> (the node's inputs)
    /// and <paramref name="extra"/> (tensors it reads without a gradient); <paramref name="u"/> is <paramref name="y"/>'s
    /// counterpart at the other batch size. Returns the name of the ONNX value holding <paramref name="y"/>.
    /// </summary>
    public static string Emit(GraphWriter w, Node node, Tensor y, Tensor u, string[] x, string[] extra)
    {
        var dtype = y.DType;
        string In(int i) => CastTo(w, node.InputArray[i], x[i], dtype);
        string Unary(string op) => w.Add(op, [In(0)]);
        string Binary(string op) => w.Add(op, [In(0), In(1)]);
        string C(double v) => w.Scalar(v, dtype);

        switch (node)
        {
            case AddOp: return Binary("Add");
            case SubtractOp: return Binary("Sub");
            case MultiplyOp: return Binary("Mul");
            case DivideOp: return Binary("Div");
            case PowOp: return Binary("Pow");
            case MatMulOp: return Binary("MatMul");
            case ExtremumOp e: return Binary(e.IsMax ? "Max" : "Min");
            case AddScalarOp s: return w.Add("Add", [In(0), C(s.Scalar)]);
            case SubtractScalarOp s: return w.Add("Sub", [In(0), C(s.Scalar)]);
            case ScalarSubtractOp s: return w.Add("Sub", [C(s.Scalar), In(0)]);
            case MultiplyScalarOp s: return w.Add("Mul", [In(0), C(s.Scalar)]);
            case DivideScalarOp s: return w.Add("Div", [In(0), C(s.Scalar)]);
            case ScalarDivideOp s: return w.Add("Div", [C(s.Scalar), In(0)]);
            case PowScalarOp p: return w.Add("Pow", [In(0), C(p.Exponent)]);
            case ExtremumScalarOp e: return w.Add(e.IsMax ? "Max" : "Min", [In(0), C(e.Scalar)]);
            case NegateOp: return Unary("Neg");
            case AbsOp: return Unary("Abs");
            case ExpOp: return Unary("Exp");
            case LogOp: return Unary("Log");
            case SqrtOp or StdOp: return Unary("Sqrt");
            case SinOp: return Unary("Sin");
            case CosOp: return Unary("Cos");
            case ErfOp: return Unary("Erf");
            case TanhOp: return Unary("Tanh");
            case SigmoidOp: return Unary("Sigmoid");
            case ReluOp: return Unary("Relu");
            case CopyOp or DetachOp: return w.Add("Identity", [x[0]]);
            case CastOp: return w.Add("Cast", [x[0]], Int("to", ElementType(dtype)));
            // log(1 + x) rather than a log1p ONNX lacks: exact to float rounding of 1 + x, so relatively coarser for |x| ≪ 1.
            case Log1pOp: return w.Add("Log", [w.Add("Add", [In(0), C(1)])]);
            case SiluOp:
            {
                string v = In(0);
                return w.Add("Mul", [v, w.Add("Sigmoid", [v])]);
            }
            case GeluOp g: return Gelu(w, In(0), g.Approximation, dtype);
            case SoftplusOp s: return Softplus(w, In(0), s.Beta, s.Threshold, dtype);
            case ClampOp c:
                return w.Add("Clip", [In(0), double.IsNegativeInfinity(c.Min) ? "" : C(c.Min), double.IsPositiveInfinity(c.Max) ? "" : C(c.Max)]);
            case SoftmaxOp s: return w.Add(s.IsLog ? "LogSoftmax" : "Softmax", [x[0]], Int("axis", -1));
            case LinearOp l when !l.FusesRelu: return Linear(w, node, x); // traces for export never fuse the ReLU in
            case Conv2dOp c:
            {
                var g = c.Geometry;
                return w.Add("Conv", x, Ints("kernel_shape", g.KernelH, g.KernelW), Ints("strides", g.StrideH, g.StrideW),
                    Ints("pads", g.PadH, g.PadW, g.PadH, g.PadW), Ints("dilations", g.DilationH, g.DilationW));
            }
            case MaxPool2dOp p:
            {
                var g = p.Geometry;
                return w.Add("MaxPool", [x[0]], Ints("kernel_shape", g.KernelH, g.KernelW), Ints("strides", g.StrideH, g.StrideW),
                    Ints("pads", g.PadH, g.PadW, g.PadH, g.PadW));
            }
            case AvgPool2dOp p:
            {
                var g = p.Geometry;
                return w.Add("AveragePool", [x[0]], Ints("kernel_shape", g.KernelH, g.KernelW), Ints("strides", g.StrideH, g.StrideW),
                    Ints("pads", g.PadH, g.PadW, g.PadH, g.PadW), Int("count_include_pad", 1));
            }
            case AdaptiveAvgPool2dOp p: return AdaptiveAvgPool(w, node.InputArray[0], x[0], p);
            case LayerNormOp l:
            {
                var input = node.InputArray[0];
                string scale = l.HasWeight ? x[1] : w.Constant(Tensor.Ones([input.ShapeArray[^1]], dtype));
                string[] inputs = l.HasBias ? [x[0], scale, x[^1]] : [x[0], scale];
                return w.Add("LayerNormalization", inputs, Int("axis", -1), Float("epsilon", l.Eps));
            }
            case BatchNormEvalOp b:
            {
                int channels = node.InputArray[1].ShapeArray[0];
                string scale = b.Affine ? x[3] : w.Constant(Tensor.Ones([channels], dtype));
                string shift = b.Affine ? x[4] : w.Constant(Tensor.Zeros([channels], dtype));
                return w.Add("BatchNormalization", [x[0], scale, shift, x[1], x[2]], Float("epsilon", b.Eps));
            }
            case EmbeddingOp: return w.Add("Gather", [x[0], extra[0]], Int("axis", 0));
            case IndexSelectOp s: return w.Add("Gather", [x[0], w.Int64s(Array.ConvertAll(s.Indices, i => (long)i))], Int("axis", s.Axis));
            case ReshapeOp: return Reshape(w, x[0], y, u);
            case PermuteOp p:
            {
                var order = new long[p.Inverse.Length];
                for (int k = 0; k < order.Length; k++) order[p.Inverse[k]] = k;
                return w.Add("Transpose", [x[0]], Ints("perm", order));
            }
            case ConcatOp c: return w.Add("Concat", x.Select((_, i) => In(i)), Int("axis", c.Axis));
            case SliceOp s: return Slice(w, node.InputArray[0], x[0], y, s);
            case ExpandOp: return Expand(w, node.InputArray[0], x[0], y, u);
            case PadOp p:
            {
                var pads = p.Before.Concat(p.After).Select(v => (long)v).ToArray();
                return w.Add("Pad", [x[0], w.Int64s(pads), C(p.Value)]);
            }
            case SumOp s:
                return s.All
                    ? w.Add("ReduceSum", [x[0]], Int("keepdims", 0))
                    : w.Add("ReduceSum", [x[0], w.Int64s([s.Axis])], Int("keepdims", 1));
            case MeanOp m:
            {
                // Opset 17's ReduceMean takes its axes as an attribute (an input only from opset 18).
                var attributes = new List<AttributeProto> { Int("keepdims", m.KeepDim ? 1 : 0) };
                if (m.Axes.Length > 0) attributes.Add(Ints("axes", Array.ConvertAll(m.Axes, v => (long)v)));
                return w.Add("ReduceMean", [x[0]], [.. attributes]);
            }
            case VarOp v: return Variance(w, x[0], v, dtype);
            case AmaxOp a:
            {
                var input = node.InputArray[0];
                var attributes = new List<AttributeProto> { Int("keepdims", y.Rank == input.Rank ? 1 : 0) };
                if (a.Axes.Length > 0) attributes.Add(Ints("axes", Array.ConvertAll(a.Axes, v => (long)v)));
                return w.Add(a.IsMax ? "ReduceMax" : "ReduceMin", [x[0]], [.. attributes]);
            }
            case ExtremeReduceOp e:
                return w.Add(e.IsMax ? "ReduceMax" : "ReduceMin", [x[0]], Ints("axes", e.Axis), Int("keepdims", y.Rank == node.InputArray[0].Rank ? 1 : 0));
            case TopKOp t: return TopK(w, x[0], y, t.Axis, t.Largest, t.Sorted)[0];
            case TopKIndicesOp t: return w.Add("Cast", [TopK(w, x[0], y, t.Axis, t.Largest, t.Sorted)[1]], Int("to", ElementType(DType.Int32)));
            case ArgExtremeOp a:
            {
                // select_last_index 0: the first extreme, as Backprop's; ONNX's int64 index as Backprop's int32.
                string index = w.Add(a.IsMax ? "ArgMax" : "ArgMin", [x[0]], Int("axis", a.Axis), Int("keepdims", 1), Int("select_last_index", 0));
                return w.Add("Cast", [index], Int("to", ElementType(DType.Int32)));
            }
            case CumsumOp c: return w.Add("CumSum", [x[0], w.Int64s([c.Axis], scalar: true)]);
            case TriangleOp t: return w.Add("Trilu", [x[0], w.Int64s([t.Diagonal], scalar: true)], Int("upper", t.IsUpper ? 1 : 0));
            case WhereOp: return w.Add("Where", [Condition(w, extra[0]), In(0), In(1)]);
            case MaskedFillOp m: return w.Add("Where", [Condition(w, extra[0]), C(m.Value), In(0)]);
            case ScaledDotProductAttentionOp a: return Attention(w, node, x, a, dtype);
            case SelfAttentionOp a: return SelfAttention(w, node, x[0], a, dtype);
            case GatherOp g: return w.Add("GatherElements", [x[0], extra[0]], Int("axis", g.Axis));
            case ScatterAddOp s: return ScatterAdd(w, node, x, extra[0], s);
            case CompareOp c: return Compare(w, node, x, c);
            case OneHotOp o: return OneHot(w, x[0], o);
            case CrossEntropyOp c: return CrossEntropy(w, node, x[0], extra, c, dtype);
            case MultinomialOp:
                throw w.Fail("it draws random samples; a file cannot reproduce Backprop's generator (ONNX's Multinomial draws from the runtime's own), " +
                    "so the exported model would not give the draws Backprop gives. Export the model up to the probabilities and sample outside it");
            case UserFunctionNode f:
                throw w.Fail($"it is the custom Function {f.FunctionType.FullName}, whose forward is user code that has no ONNX mapping. " +
                    "Write the computation with the library's operators (they export) to export it");
            default:
                throw w.Fail($"it has no ONNX mapping ({node.GetType().Name}); the exportable operators are listed in docs/onnx.md");
        }
    }

    // Backprop promotes mixed dtypes (float32 with float64, int32 with float); ONNX wants one type per node.
    private static string CastTo(GraphWriter w, Tensor input, string name, DType dtype) =>
        input.DType == dtype ? name : w.Add("Cast", [name], Int("to", ElementType(dtype)));

    // ONNX's Where takes a bool condition; Backprop's is any nonzero value (Cast to bool: nonzero, NaN included, is true).
    private static string Condition(GraphWriter w, string condition) =>
        w.Add("Cast", [condition], Int("to", (int)TensorProto.Types.DataType.Bool));

    // ONNX's ScatterElements wants updates of the index's shape; Backprop uses only the part of src the index covers, so
    // a larger src is first cut to the index's shape (read from the index at run time, so a batch axis stays dynamic).
    private static string ScatterAdd(GraphWriter w, Node node, string[] x, string index, ScatterAddOp s)
    {
        var src = node.InputArray[1];
        string updates = x[1];
        if (!src.ShapeArray.AsSpan().SequenceEqual(s.IndexSource!.ShapeArray))
        {
            var axes = new long[src.Rank];
            for (int i = 0; i < axes.Length; i++) axes[i] = i;
            updates = w.Add("Slice", [updates, w.Int64s(new long[src.Rank]), w.Add("Shape", [index]), w.Int64s(axes)]);
        }
        return w.Add("ScatterElements", [x[0], index, updates], Int("axis", s.Axis), String("reduction", "add"));
    }

    // Σ(x − mean)² / max(N − correction, 0), with N read from the input's shape at run time: a variance over the batch
    // axis then follows the batch. Opset 17's ReduceMean takes its axes as an attribute, ReduceSum as an input.
    private static string Variance(GraphWriter w, string x, VarOp v, DType dtype)
    {
        var axes = Array.ConvertAll(v.Axes, a => (long)a);
        string mean = axes.Length > 0
            ? w.Add("ReduceMean", [x], Int("keepdims", 1), Ints("axes", axes))
            : w.Add("ReduceMean", [x], Int("keepdims", 1));
        string centered = w.Add("Sub", [x, mean]);
        string squared = w.Add("Mul", [centered, centered]);
        int keep = v.KeepDim ? 1 : 0;
        string sum = axes.Length > 0
            ? w.Add("ReduceSum", [squared, w.Int64s(axes)], Int("keepdims", keep))
            : w.Add("ReduceSum", [squared], Int("keepdims", keep));
        string sizes = w.Add("Cast", [w.Add("Shape", [x])], Int("to", ElementType(dtype)));
        if (axes.Length > 0) sizes = w.Add("Gather", [sizes, w.Int64s(axes)], Int("axis", 0));
        string count = w.Add("ReduceProd", [sizes], Int("keepdims", 0));
        string divisor = w.Add("Max", [w.Add("Sub", [count, w.Scalar(v.Correction, dtype)]), w.Scalar(0, dtype)]);
        return w.Add("Div", [sum, divisor]);
    }

    // ONNX's TopK keeps equal values in index order, as Backprop does; an unsorted selection has no ONNX order. Returns
    // the values and the (int64) indices.
    private static string[] TopK(GraphWriter w, string x, Tensor y, int axis, bool largest, bool sorted)
    {
        if (!sorted) throw w.Fail("an unsorted selection (sorted: false) keeps the input's order, which ONNX's TopK does not promise");
        if (y.Rank == 0) throw w.Fail("expected an input with at least one axis");
        string k = w.Int64s([y.ShapeArray[axis]]);
        return w.AddWithOutputs("TopK", 2, [x, k], Int("axis", axis), Int("largest", largest ? 1 : 0), Int("sorted", 1));
    }

    // Both sides in the dtype Backprop compares in, and the bool result as Backprop's int32 mask of 0 and 1.
    private static string Compare(GraphWriter w, Node node, string[] x, CompareOp c)
    {
        string a = CastTo(w, node.InputArray[0], x[0], c.CompareDType), b = CastTo(w, node.InputArray[1], x[1], c.CompareDType);
        string result = c.Comparison switch
        {
            Comparison.Equal => w.Add("Equal", [a, b]),
            Comparison.NotEqual => w.Add("Not", [w.Add("Equal", [a, b])]),
            Comparison.Less => w.Add("Less", [a, b]),
            Comparison.LessOrEqual => w.Add("LessOrEqual", [a, b]),
            Comparison.Greater => w.Add("Greater", [a, b]),
            _ => w.Add("GreaterOrEqual", [a, b]),
        };
        return w.Add("Cast", [result], Int("to", ElementType(DType.Int32)));
    }

    // OneHot with float32 off/on values, then Cast to Backprop's int32 (ONNX Runtime has no int32-valued OneHot kernel).
    private static string OneHot(GraphWriter w, string indices, OneHotOp o)
    {
        if (o.Inferred)
            throw w.Fail($"the number of classes ({o.Classes}) was inferred from the indices' values (numClasses: -1), so the output's shape " +
                "depends on the data, which a file cannot follow; pass numClasses");
        string depth = w.Constant(Tensor.FromArray(new[] { o.Classes }, 1));
        string values = w.Constant(Tensor.FromArray(new float[] { 0, 1 }, 2));
        string hot = w.Add("OneHot", [indices, depth, values], Int("axis", -1));
        return w.Add("Cast", [hot], Int("to", ElementType(DType.Int32)));
    }

    // ONNX's SoftmaxCrossEntropyLoss (classes on axis 1, so a Transpose for Backprop's [..., C] of rank 3 or more). With
    // label smoothing, which it lacks, the loss is built as the kernel computes it: per row
    // (1 − ε)·w_y·(lse − x_y) + ε/C·Σ_c w_c·(lse − x_c), the mean divided by the summed weight of the counted labels.
    private static string CrossEntropy(GraphWriter w, Node node, string logits, string[] extra, CrossEntropyOp ce, DType dtype)
    {
        var input = node.InputArray[0];
        if (input.Rank < 2)
            throw w.Fail($"expected logits [batch, classes] or [..., classes], got {Shapes.Format(input.ShapeArray)}; ONNX's loss needs a batch axis");
        int rank = input.Rank, classes = input.ShapeArray[^1];
        string labels = extra[0];
        string? weight = extra.Length > 1 ? CastTo(w, ce.WeightSource!, extra[1], dtype) : null;
        string scores = logits;
        if (rank > 2)
        {
            var perm = new long[rank];
            perm[1] = rank - 1;
            for (int i = 2; i < rank; i++) perm[i] = i - 1;
            scores = w.Add("Transpose", [logits], Ints("perm", perm));
        }
        string[] lossInputs = weight is null ? [scores, labels] : [scores, labels, weight];
        AttributeProto Reduce(string r) => String("reduction", r);
        AttributeProto[] ignore = ce.IgnoreIndex is { } ig ? [Int("ignore_index", ig)] : [];
        string reduction = ce.Reduction switch { Reduction.Mean => "mean", Reduction.Sum => "sum", _ => "none" };
        if (ce.Smoothing == 0) return w.Add("SoftmaxCrossEntropyLoss", lossInputs, [Reduce(reduction), .. ignore]);

        double eps = ce.Smoothing;
        string picked = w.Add("SoftmaxCrossEntropyLoss", lossInputs, [Reduce("none"), .. ignore]);
        string logp = w.Add("LogSoftmax", [logits], Int("axis", -1));
        string weighted = weight is null ? logp : w.Add("Mul", [logp, weight]);
        string spread = w.Add("ReduceSum", [weighted, w.Int64s([-1])], Int("keepdims", 0));
        // A label that is never valid stands in for "no ignored label": labels are checked to lie in [0, C).
        string ignored = w.Add("Equal", [labels, w.Constant(Tensor.FromArray(new[] { ce.IgnoreIndex ?? -1 }, []))]);
        string counted = w.Add("Cast", [w.Add("Not", [ignored])], Int("to", ElementType(dtype)));
        string smooth = w.Add("Mul", [w.Add("Mul", [spread, w.Scalar(eps / classes, dtype)]), counted]);
        string row = w.Add("Sub", [w.Add("Mul", [picked, w.Scalar(1 - eps, dtype)]), smooth]);
        if (ce.Reduction == Reduction.None) return row;
        string total = w.Add("ReduceSum", [row], Int("keepdims", 0));
        if (ce.Reduction == Reduction.Sum) return total;
        string share = counted;
        if (weight is not null)
        {
            string safe = w.Add("Where", [ignored, w.Constant(Tensor.FromArray(new[] { 0 }, [])), labels]);
            share = w.Add("Mul", [w.Add("Gather", [weight, safe], Int("axis", 0)), counted]);
        }
        return w.Add("Div", [total, w.Add("ReduceSum", [share], Int("keepdims", 0))]);
    }

    private static string Gelu(GraphWriter w, string x, GeluApproximation approximation, DType dtype)
    {
        string half = w.Add("Mul", [x, w.Scalar(0.5, dtype)]);
        string inner;
        if (approximation == GeluApproximation.Tanh)
        {
            // 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))
            string cube = w.Add("Mul", [w.Add("Mul", [x, x]), x]);
            string sum = w.Add("Add", [x, w.Add("Mul", [cube, w.Scalar(0.044715, dtype)])]);
            inner = w.Add("Tanh", [w.Add("Mul", [sum, w.Scalar(Math.Sqrt(2 / Math.PI), dtype)])]);
        }
        else
        {
            // 0.5·x·(1 + erf(x/√2)): opset 17 has no Gelu (it came in opset 20).
            inner = w.Add("Erf", [w.Add("Mul", [x, w.Scalar(1 / Math.Sqrt(2), dtype)])]);
        }
        return w.Add("Mul", [half, w.Add("Add", [inner, w.Scalar(1, dtype)])]);
    }

    // ONNX's Softplus has no β and no threshold: log(1 + e^(βx))/β, and x itself where βx exceeds the threshold.
    private static string Softplus(GraphWriter w, string x, double beta, double threshold, DType dtype)
    {
        string scaled = beta == 1 ? x : w.Add("Mul", [x, w.Scalar(beta, dtype)]);
        string soft = w.Add("Softplus", [scaled]);
        if (beta != 1) soft = w.Add("Div", [soft, w.Scalar(beta, dtype)]);
        string linear = w.Add("Greater", [scaled, w.Scalar(threshold, dtype)]);
        return w.Add("Where", [linear, x, soft]);
    }

    // y = x·Wᵀ + b: one Gemm for a matrix input; MatMul with the transposed weight (and Add) for any other rank.
    private static string Linear(GraphWriter w, Node node, string[] x)
    {
        if (node.InputArray[0].Rank == 2) return w.Add("Gemm", x, Int("transB", 1));
        string product = w.Add("MatMul", [x[0], w.Add("Transpose", [x[1]], Ints("perm", 1, 0))]);
        return x.Length == 3 ? w.Add("Add", [product, x[2]]) : product;
    }

    private static string AdaptiveAvgPool(GraphWriter w, Tensor input, string x, AdaptiveAvgPool2dOp p)
    {
        if (input.Rank != 4) throw w.Fail($"expected an NCHW input, got {Shapes.Format(input.ShapeArray)}");
        int h = input.ShapeArray[2], wd = input.ShapeArray[3];
        if (p.OutHeight == 1 && p.OutWidth == 1) return w.Add("GlobalAveragePool", [x]);
        if (h % p.OutHeight != 0 || wd % p.OutWidth != 0)
            throw w.Fail($"the {h}×{wd} input does not divide into the {p.OutHeight}×{p.OutWidth} output; ONNX has no adaptive pooling with uneven windows");
        int kh = h / p.OutHeight, kw = wd / p.OutWidth;
        return w.Add("AveragePool", [x], Ints("kernel_shape", kh, kw), Ints("strides", kh, kw));
    }

    // The target shape, with −1 on the one axis that depends on the batch (so the file reshapes any batch correctly).
    private static string Reshape(GraphWriter w, string x, Tensor y, Tensor u)
    {
        var batchAxes = BatchAxes(y, u);
        var target = Array.ConvertAll(y.ShapeArray, d => (long)d);
        int dependent = 0;
        for (int i = 0; i < target.Length; i++)
            if (batchAxes[i])
            {
                target[i] = -1;
                dependent++;
            }
        if (dependent > 1)
            throw w.Fail($"the target {Shapes.Format(y.ShapeArray)} has {dependent} axes that depend on the batch; ONNX's Reshape can infer only one");
        // allowzero: a literal 0 in the target is an empty axis, not "copy the input's size".
        return target.Contains(0)
            ? w.Add("Reshape", [x, w.Int64s(target)], Int("allowzero", 1))
            : w.Add("Reshape", [x, w.Int64s(target)]);
    }

    private static string Slice(GraphWriter w, Tensor input, string x, Tensor y, SliceOp s)
    {
        long length = y.ShapeArray[s.Axis], size = input.ShapeArray[s.Axis];
        long start = s.Start, step = s.Step, end;
        if (length == 0) end = start;
        else if (step > 0)
        {
            end = start + (length - 1) * step + 1;
            // Up to the end of the axis is written as "to the end", so a slice over a whole batch axis stays whole.
            if (end >= size) end = long.MaxValue;
        }
        else
        {
            end = start + (length - 1) * step - 1;
            if (end < 0) end = long.MinValue;
        }
        return w.Add("Slice", [x, w.Int64s([start]), w.Int64s([end]), w.Int64s([s.Axis]), w.Int64s([step])]);
    }

    // Expand broadcasts the input against the target, so an axis the input already has at full size is written as 1:
    // the batch axis is never a literal in the file.
    private static string Expand(GraphWriter w, Tensor input, string x, Tensor y, Tensor u)
    {
        var batchAxes = BatchAxes(y, u);
        var target = new long[y.Rank];
        int lead = y.Rank - input.Rank;
        for (int i = 0; i < y.Rank; i++)
        {
            bool kept = i >= lead && input.ShapeArray[i - lead] == y.ShapeArray[i];
            if (kept) target[i] = 1;
            else if (batchAxes[i])
                throw w.Fail($"it broadcasts {Shapes.Format(input.ShapeArray)} to {Shapes.Format(y.ShapeArray)} along an axis that depends on the batch");
            else target[i] = y.ShapeArray[i];
        }
        return w.Add("Expand", [x, w.Int64s(target)]);
    }

    // The packed form: [..., T, 3C] reshaped to [N, T, 3, H, hs], each third transposed to heads [N, H, T, hs], the
    // attention below, and the heads merged back to [..., T, C].
    private static string SelfAttention(GraphWriter w, Node node, string x, SelfAttentionOp a, DType dtype)
    {
        var input = node.InputArray[0];
        int t = input.ShapeArray[^2], c = input.ShapeArray[^1] / 3, heads = a.Heads, hs = c / heads;
        string split = w.Add("Reshape", [x, w.Int64s([-1, t, 3, heads, hs])]);
        var thirds = new string[3];
        for (int part = 0; part < 3; part++)
        {
            string third = w.Add("Slice", [split, w.Int64s([part]), w.Int64s([part + 1]), w.Int64s([2])]);
            third = w.Add("Reshape", [third, w.Int64s([-1, t, heads, hs])]);
            thirds[part] = w.Add("Transpose", [third], Ints("perm", [0, 2, 1, 3]));
        }
        string scores = w.Add("MatMul", [thirds[0], w.Add("Transpose", [thirds[1]], Ints("perm", [0, 1, 3, 2]))]);
        scores = w.Add("Mul", [scores, w.Scalar(a.Scale, dtype)]);
        if (a.Causal) scores = w.Add("Add", [scores, w.Constant(CausalMask(t, t, dtype))]);
        string probabilities = w.Add("Softmax", [scores], Int("axis", -1));
        string heads4 = w.Add("Transpose", [w.Add("MatMul", [probabilities, thirds[2]])], Ints("perm", [0, 2, 1, 3]));
        var outShape = input.ShapeArray.Select(d => (long)d).ToArray();
        outShape[^1] = c;
        if (outShape.Length > 2) outShape[0] = -1;
        return w.Add("Reshape", [heads4, w.Int64s(outShape)]);
    }

    // [L, S]: 0 where key j is seen by query i (j ≤ i), −∞ after.
    private static Tensor CausalMask(int l, int s, DType dtype)
    {
        var mask = new double[l * s];
        for (int i = 0; i < l; i++)
            for (int j = i + 1; j < s; j++) mask[i * s + j] = double.NegativeInfinity;
        return Tensor.FromArray(mask, [l, s]).To(dtype);
    }

    // softmax(q·kᵀ·scale + mask)·v, with the causal mask as a constant [L, S] of 0 and −∞ (key j is seen by query i when j ≤ i).
    private static string Attention(GraphWriter w, Node node, string[] x, ScaledDotProductAttentionOp a, DType dtype)
    {
        var q = node.InputArray[0];
        var k = node.InputArray[1];
        int rank = q.Rank, l = q.ShapeArray[^2], s = k.ShapeArray[^2];
        var perm = new long[rank];
        for (int i = 0; i < rank; i++) perm[i] = i;
        (perm[^1], perm[^2]) = (perm[^2], perm[^1]);
        string scores = w.Add("MatMul", [x[0], w.Add("Transpose", [x[1]], Ints("perm", perm))]);
        scores = w.Add("Mul", [scores, w.Scalar(a.Scale, dtype)]);
        if (a.Causal)
        {
            var mask = new double[l * s];
            for (int i = 0; i < l; i++)
                for (int j = i + 1; j < s; j++) mask[i * s + j] = double.NegativeInfinity;
            var maskTensor = Tensor.FromArray(mask, [l, s]).To(dtype);
            scores = w.Add("Add", [scores, w.Constant(maskTensor)]);
        }
        string probabilities = w.Add("Softmax", [scores], Int("axis", -1));
        return w.Add("MatMul", [probabilities, x[2]]);
    }
}
