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
    public static void ExportAndCompare(Module<Tensor, Tensor> model, Func<int, Tensor> makeInput, int sampleBatch, int[] batches, string what)
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
        }
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
