using Backprop.Onnx;
using Backprop.Onnx.Protobuf;

namespace Backprop.Tests.Onnx;

/// <summary>
/// ONNX's own backend test cases, as Debian's <c>libonnx-testdata</c> installs them: per case a <c>model.onnx</c> and
/// <c>test_data_set_N/input_K.pb</c>, <c>output_K.pb</c>. A case runs the model on the inputs and compares each output
/// with ONNX's tolerance (numpy's <c>assert_allclose</c> with rtol 1e-3, atol 1e-7, as onnx/backend/test/runner does).
/// </summary>
public static class OnnxConformance
{
    /// <summary>Where the package puts the cases.</summary>
    public const string DataDirectory = "/usr/share/libonnx-testdata/data";

    /// <summary>The version of the suite the published score was measured on.</summary>
    public const string SuiteVersion = "libonnx-testdata 1.12.0";

    /// <summary>The sets scored: single-operator cases and the models converted from PyTorch.</summary>
    public static readonly string[] Sets = ["node", "pytorch-converted", "pytorch-operator"];

    public const double RelativeTolerance = 1e-3, AbsoluteTolerance = 1e-7;

    public static bool IsInstalled => Directory.Exists(Path.Combine(DataDirectory, "node"));

    /// <summary>One case: its set and name, its op types, and why it cannot run here (null if it can).</summary>
    internal sealed record Case(string Set, string Name, string Directory, IReadOnlyList<string> OpTypes, string? Unsupported)
    {
        public string Id => Set + "/" + Name;
    }

    private static readonly Lazy<IReadOnlyList<Case>> AllCases = new(Discover);

    internal static IReadOnlyList<Case> Cases => AllCases.Value;

    internal static Case Find(string id) => Cases.First(c => c.Id == id);

    private static List<Case> Discover()
    {
        var cases = new List<Case>();
        if (!IsInstalled) return cases;
        foreach (var set in Sets)
        {
            var root = Path.Combine(DataDirectory, set);
            if (!Directory.Exists(root)) continue;
            foreach (var dir in Directory.GetDirectories(root).Order(StringComparer.Ordinal))
            {
                var modelPath = Path.Combine(dir, "model.onnx");
                if (!File.Exists(modelPath)) continue;
                var model = ModelProto.Parser.ParseFrom(File.ReadAllBytes(modelPath));
                var ops = model.Graph.Node.Select(n => n.Domain is "" or "ai.onnx" ? n.OpType : $"{n.OpType} ({n.Domain})")
                    .Distinct().Order(StringComparer.Ordinal).ToList();
                cases.Add(new Case(set, Path.GetFileName(dir), dir, ops, WhyUnsupported(model, dir)));
            }
        }
        return cases;
    }

    // A case is out of scope when it uses an op type the importer does not map, or tensors of an element type Backprop
    // does not have (float16, bfloat16, strings, unsigned 64-bit...), or sequence/optional values.
    private static string? WhyUnsupported(ModelProto model, string dir)
    {
        var missing = model.Graph.Node
            .Where(n => !OnnxOperators.IsSupported(n.Domain, n.OpType))
            .Select(n => n.Domain is "" or "ai.onnx" ? n.OpType : $"{n.OpType} ({n.Domain})").Distinct().ToList();
        if (missing.Count > 0) return $"op type{(missing.Count > 1 ? "s" : "")} {string.Join(", ", missing)} not implemented";
        foreach (var value in model.Graph.Input.Concat(model.Graph.Output))
        {
            if (value.Type?.ValueCase is not TypeProto.ValueOneofCase.TensorType)
                return $"{value.Type?.ValueCase.ToString().ToLowerInvariant() ?? "untyped"} values (Backprop has tensors only)";
            var type = (TensorProto.Types.DataType)value.Type.TensorType.ElemType;
            if (type is not (TensorProto.Types.DataType.Float or TensorProto.Types.DataType.Double or TensorProto.Types.DataType.Int32
                or TensorProto.Types.DataType.Int64 or TensorProto.Types.DataType.Int8 or TensorProto.Types.DataType.Int16
                or TensorProto.Types.DataType.Uint8 or TensorProto.Types.DataType.Bool))
                return $"{type.ToString().ToUpperInvariant()} tensors (Backprop has float32, float64 and int32)";
        }
        if (!Directory.Exists(Path.Combine(dir, "test_data_set_0"))) return "no test data set";
        return null;
    }

    /// <summary>Runs every data set of the case; returns null when all outputs match, else the first mismatch or error.</summary>
    internal static string? Run(Case testCase)
    {
        try
        {
            var model = OnnxModel.Load(Path.Combine(testCase.Directory, "model.onnx"));
            foreach (var dataSet in Directory.GetDirectories(testCase.Directory, "test_data_set_*").Order(StringComparer.Ordinal))
            {
                var inputs = ReadAll(dataSet, "input");
                var expected = ReadAll(dataSet, "output");
                Tensor[] actual;
                using (Backprop.Autograd.NoGrad())
                    actual = model.Run(inputs);
                if (actual.Length != expected.Length) return $"{actual.Length} outputs, expected {expected.Length}";
                for (int i = 0; i < expected.Length; i++)
                    if (Compare(expected[i], actual[i]) is { } mismatch)
                        return $"{Path.GetFileName(dataSet)} output {i} ({model.Outputs[i].Name}): {mismatch}";
            }
            return null;
        }
        catch (Exception e) when (e is InvalidDataException or NotSupportedException or ArgumentException or InvalidOperationException)
        {
            return e.Message.Split('\n')[0];
        }
    }

    internal static Tensor[] ReadAll(string dataSet, string prefix)
    {
        var tensors = new List<Tensor>();
        for (int k = 0; File.Exists(Path.Combine(dataSet, $"{prefix}_{k}.pb")); k++)
            tensors.Add(OnnxTensors.FromProto(TensorProto.Parser.ParseFrom(File.ReadAllBytes(Path.Combine(dataSet, $"{prefix}_{k}.pb")))));
        return [.. tensors];
    }

    /// <summary>numpy's assert_allclose: |actual − expected| ≤ atol + rtol·|expected| element-wise, NaN matching NaN; shapes exactly.</summary>
    internal static string? Compare(Tensor expected, Tensor actual)
    {
        if (!expected.Shape.SequenceEqual(actual.Shape))
            return $"shape {Shapes.Format(actual.ShapeArray)}, expected {Shapes.Format(expected.ShapeArray)}";
        bool expectFloat = expected.DType != DType.Int32, gotFloat = actual.DType != DType.Int32;
        if (expectFloat != gotFloat) return $"dtype {actual.DType}, expected {expected.DType}";
        var e = expected.To(DType.Float64).ToArray<double>();
        var a = actual.To(DType.Float64).ToArray<double>();
        int bad = 0, first = -1;
        for (int i = 0; i < e.Length; i++)
        {
            bool ok = double.IsNaN(e[i]) ? double.IsNaN(a[i])
                : double.IsInfinity(e[i]) ? a[i] == e[i]
                : Math.Abs(a[i] - e[i]) <= AbsoluteTolerance + RelativeTolerance * Math.Abs(e[i]);
            if (ok) continue;
            if (bad++ == 0) first = i;
        }
        return bad == 0 ? null : $"{bad} of {e.Length} values differ, first at {first}: {a[first]:R}, expected {e[first]:R}";
    }
}
