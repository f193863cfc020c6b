using Backprop.NN;
using Backprop.Onnx;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace Backprop.Tests.Onnx;

/// <summary>
/// Runs an exported file with ONNX Runtime and compares its output with Backprop's forward pass on the same inputs.
/// </summary>
/// <remarks>
/// Tolerance: |onnx − backprop| ≤ 1e-5·|backprop| + floor. The relative part is the bound. The floor is
/// for values near zero, where a relative bound means nothing: two correct float32 implementations summing the same
/// K products in another order differ by about K·2⁻²⁴·Σ|terms| in absolute terms, however small the sum itself is
/// (a logit of 1e-4 from terms of size 0.1). The floor is 1e-5 of the output's largest magnitude: the rounding
/// scale of the tensor as a whole, so it grows with the data and never hides an error of the tensor's own size.
/// </remarks>
internal static class OnnxRuntimeCheck
{
    public const double Relative = 1e-5;
    public const double FloorOfMax = 1e-5;

    /// <summary>The output of <paramref name="path"/> for the given named inputs, with its shape.</summary>
    public static (float[] Values, int[] Shape) Run(string path, params (string Name, Tensor Value)[] inputs)
    {
        using var options = new SessionOptions { LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR };
        using var session = new InferenceSession(path, options);
        var values = new List<NamedOnnxValue>();
        foreach (var (name, t) in inputs)
        {
            var shape = t.Shape.ToArray();
            values.Add(t.DType switch
            {
                DType.Int32 => NamedOnnxValue.CreateFromTensor(name, new DenseTensor<int>(t.ToArray<int>(), shape)),
                DType.Float64 => NamedOnnxValue.CreateFromTensor(name, new DenseTensor<double>(t.ToArray<double>(), shape)),
                _ => NamedOnnxValue.CreateFromTensor(name, new DenseTensor<float>(t.ToArray<float>(), shape)),
            });
        }
        using var results = session.Run(values);
        var output = results.Single(r => r.Name == "output");
        if (output.Value is Tensor<double> wide)
            return (Array.ConvertAll(wide.ToArray(), v => (float)v), wide.Dimensions.ToArray());
        var tensor = output.AsTensor<float>();
        return (tensor.ToArray(), tensor.Dimensions.ToArray());
    }

    /// <summary>Asserts that ONNX Runtime's output matches Backprop's within the tolerance above; returns the worst relative error seen.</summary>
    public static double AssertClose(Tensor expected, (float[] Values, int[] Shape) actual, string what)
    {
        Assert.True(expected.Shape.SequenceEqual(actual.Shape),
            $"{what}: ONNX Runtime gives shape {Shapes.Format(actual.Shape)}, Backprop {Shapes.Format(expected.ShapeArray)}");
        var e = expected.DType == DType.Float32 ? expected.ToArray<float>() : expected.To(DType.Float32).ToArray<float>();
        double max = e.Length == 0 ? 0 : e.Max(v => Math.Abs((double)v));
        double floor = FloorOfMax * max, worst = 0;
        for (int i = 0; i < e.Length; i++)
        {
            double diff = Math.Abs(actual.Values[i] - (double)e[i]);
            double bound = Relative * Math.Abs(e[i]) + floor;
            if (!(diff <= bound) && !(float.IsNaN(e[i]) && float.IsNaN(actual.Values[i])) && e[i] != actual.Values[i])
                Assert.Fail($"{what}: element {i}: ONNX Runtime {actual.Values[i]:R}, Backprop {e[i]:R}, difference {diff:G3} beyond {bound:G3}");
            if (e[i] != 0) worst = Math.Max(worst, diff / Math.Abs(e[i]));
        }
        return worst;
    }

    /// <summary>
    /// Exports <paramref name="model"/> traced on a batch of <paramref name="sampleBatch"/>, then for each batch size runs
    /// fresh inputs from <paramref name="makeInput"/> through ONNX Runtime and Backprop (in evaluation mode) and compares.
    /// </summary>
    public static void ExportAndCompare(Module<Tensor, Tensor> model, Func<int, Tensor> makeInput, int sampleBatch, int[] batches, string what,
        bool roundTrip = false)
    {
        using var dir = new TempDirectory();
        string path = Path.Combine(dir.Path, "model.onnx");
        model.ExportOnnx(path, makeInput(sampleBatch));
        model.Eval();
        foreach (int batch in batches)
        {
            var x = makeInput(batch);
            Tensor expected;
            using (Backprop.Autograd.NoGrad()) expected = model.Forward(x);
            AssertClose(expected, Run(path, ("input", x)), $"{what} at batch {batch}");
            if (roundTrip) AssertImportedAgrees(path, expected, [x], $"{what} at batch {batch}");
        }
    }

    /// <summary>
    /// The two-input form of <see cref="ExportAndCompare(Module{Tensor, Tensor}, Func{int, Tensor}, int, int[], string, bool)"/>:
    /// <paramref name="makeInputs"/> gives both inputs (<c>input1</c>, <c>input2</c>) for a batch size.
    /// </summary>
    public static void ExportAndCompare(Module<Tensor, Tensor, Tensor> model, Func<int, (Tensor, Tensor)> makeInputs, int sampleBatch, int[] batches,
        string what, bool roundTrip = false)
    {
        using var dir = new TempDirectory();
        string path = Path.Combine(dir.Path, "model.onnx");
        var (s1, s2) = makeInputs(sampleBatch);
        model.ExportOnnx(path, s1, s2);
        model.Eval();
        foreach (int batch in batches)
        {
            var (a, b) = makeInputs(batch);
            Tensor expected;
            using (Backprop.Autograd.NoGrad()) expected = model.Forward(a, b);
            AssertClose(expected, Run(path, ("input1", a), ("input2", b)), $"{what} at batch {batch}");
            if (roundTrip) AssertImportedAgrees(path, expected, [a, b], $"{what} at batch {batch}");
        }
    }

    // The exported file read back by Backprop's own importer gives Backprop's result again.
    private static void AssertImportedAgrees(string path, Tensor expected, Tensor[] inputs, string what)
    {
        Tensor imported;
        using (Backprop.Autograd.NoGrad()) imported = OnnxModel.Load(path).Run(inputs)[0];
        var values = imported.DType == DType.Float32 ? imported.ToArray<float>() : imported.To(DType.Float32).ToArray<float>();
        AssertClose(expected, (values, imported.Shape.ToArray()), $"{what}, imported back");
    }
}

/// <summary>A directory under the system temp folder, deleted with everything in it on dispose.</summary>
internal sealed class TempDirectory : IDisposable
{
    public TempDirectory()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"backprop-onnx-{Guid.NewGuid():N}");
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { }
    }
}

/// <summary>A one-input module made of a function (and optional parameters), for per-operator export tests.</summary>
internal sealed class Lambda : Module<Tensor, Tensor>
{
    private readonly Func<Lambda, Tensor, Tensor> _forward;

    public Lambda(Func<Lambda, Tensor, Tensor> forward, params (string Name, Tensor Value)[] parameters)
    {
        _forward = forward;
        foreach (var (name, value) in parameters) Params[name] = RegisterParameter(name, value);
    }

    public Lambda(Func<Tensor, Tensor> forward) : this((_, x) => forward(x)) { }

    public Dictionary<string, Tensor> Params { get; } = [];

    /// <summary>Registers a child, so its parameters and buffers are the model's.</summary>
    public void AddChild(string name, Module child) => RegisterModule(name, child);

    public override Tensor Forward(Tensor input) => _forward(this, input);
}

/// <summary>A two-input module made of a function (and optional parameters), for export tests of operators with an index or labels.</summary>
internal sealed class Lambda2 : Module<Tensor, Tensor, Tensor>
{
    private readonly Func<Lambda2, Tensor, Tensor, Tensor> _forward;

    public Lambda2(Func<Lambda2, Tensor, Tensor, Tensor> forward, params (string Name, Tensor Value)[] parameters)
    {
        _forward = forward;
        foreach (var (name, value) in parameters) Params[name] = RegisterParameter(name, value);
    }

    public Lambda2(Func<Tensor, Tensor, Tensor> forward) : this((_, x, y) => forward(x, y)) { }

    public Dictionary<string, Tensor> Params { get; } = [];

    public override Tensor Forward(Tensor input1, Tensor input2) => _forward(this, input1, input2);
}
